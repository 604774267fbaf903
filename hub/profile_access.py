"""Who may start which notebook profile: the one rule behind the spawn page and the spawn check.

Works on the settings document's `profiles` (components/jupyterhub/profile-settings.ts) and has no
hub state, so it is tested without a hub. The spawn page only hides what a user may not start;
`check_spawn_request` is what enforces it, because a REST call can name any profile.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from tornado import web

Profile = Mapping[str, Any]


class SpawnRefused(web.HTTPError):
    """A spawn request the user may not make. An HTTPError, so the hub answers the request with
    this status and message instead of logging a traceback (jupyterhub/user.py, User.spawn)."""

    def __init__(self, status: int, message: str) -> None:
        # "%s" keeps a '%' in a user-supplied image name from being read as a format string.
        super().__init__(status, "%s", message)
        self.message = message
        self.jupyterhub_message = message  # what the spawn page shows, instead of "HTTP 403: error (...)"


def user_access(user: Any, admin_groups: Iterable[str]) -> tuple[set[str], bool]:
    """The user's group names and whether they count as an admin (admin flag or an admin group)."""
    groups = {group.name for group in user.groups}
    return groups, bool(user.admin) or bool(groups & set(admin_groups))


def admin_request(handler: Any, admin_groups: Iterable[str]) -> bool:
    """An admin asking with an admin's rights: the user counts as an admin (user_access) and the
    request carries admin:users. A token an admin handed on with fewer scopes (the access:servers
    token a server gets when an admin opens it) does not read the admins' reports."""
    user = handler.current_user
    if not hasattr(user, "groups") or not user_access(user, admin_groups)[1]:
        return False
    return "admin:users" in handler.expanded_scopes


def may_use(profile: Profile, groups: set[str], is_admin: bool) -> bool:
    return is_admin or bool(groups & set(profile["groups"]))


def visible_profiles(profiles: Iterable[Profile], groups: set[str], is_admin: bool) -> list[dict[str, Any]]:
    """KubeSpawner's `profile_list` for this user: only the profiles their groups allow."""
    return [kubespawner_profile(p) for p in profiles if may_use(p, groups, is_admin)]


def kubespawner_profile(profile: Profile) -> dict[str, Any]:
    # Deep copies: KubeSpawner merges override dicts into its traits in place.
    entry: dict[str, Any] = {
        "slug": profile["slug"],
        "display_name": profile["display_name"],
        "description": profile["description"],
        "summary": profile["summary"],
        "default": profile["default"],
        "kubespawner_override": copy.deepcopy(dict(profile["kubespawner_override"])),
    }
    if "custom_image" in profile:
        entry["profile_options"] = custom_image_options(profile["custom_image"])
    return entry


def custom_image_options(custom: Mapping[str, Any]) -> dict[str, Any]:
    """The admins' profile options: an image matching the pattern from an allowed registry, and
    0..max_gpus full GPUs."""
    default_image = custom["default_image"]
    registries = list(custom["allowed_registries"])
    gpus: dict[str, Any] = {"0": {"display_name": "No GPU", "default": True, "kubespawner_override": {}}}
    for count in range(1, custom["max_gpus"] + 1):
        gpus[str(count)] = {
            "display_name": f"{count}× GPU",
            "kubespawner_override": copy.deepcopy(custom["gpu_overrides"][str(count)]),
        }
    return {
        "image": {
            "display_name": "Image",
            # Keyed "default", not by the image, so saved user_options survive a bump of the default tag.
            "choices": {
                "default": {
                    "display_name": default_image,
                    "default": True,
                    "kubespawner_override": {"image": default_image},
                }
            },
            "unlisted_choice": {
                "enabled": True,
                "display_name": "Image (registry/repository:tag)",
                "validation_regex": custom["image_pattern"],
                "validation_message": f"Give one from {registry_list(registries)}, such as {default_image}",
                "kubespawner_override": {"image": "{value}"},
                # Ours, not KubeSpawner's (it ignores the key): check_spawn_request enforces it.
                "allowed_registries": registries,
            },
        },
        "gpus": {"display_name": "GPUs", "choices": gpus},
    }


def default_profile(allowed: list[dict[str, Any]]) -> dict[str, Any]:
    """The profile KubeSpawner starts for a request that names none: the first marked default among
    the user's profiles, else the first (KubeSpawner._get_initialized_profile_list)."""
    return next((p for p in allowed if p["default"]), allowed[0])


def check_spawn_request(options: Mapping[str, Any], allowed: list[dict[str, Any]], user_name: str) -> str:
    """Refuse a spawn the user may not make, before anything is created; return the slug checked.

    `allowed` is the user's `visible_profiles`. A request without a profile is checked as the default
    profile, with the options it carries: KubeSpawner validates options only when a profile is named,
    yet applies a default profile's options (an image, a GPU count) from the same request. The caller
    names the returned slug in the request, so KubeSpawner applies exactly the profile checked here.
    KubeSpawner would also refuse an unknown slug, but only inside start(), as a 500 with a traceback;
    an unknown choice it reports as a KeyError.
    """
    if not allowed:
        raise SpawnRefused(
            403, f"No notebook profile is available to {user_name}: ask to be added to a course group."
        )
    slug = options.get("profile")
    if slug in (None, ""):
        profile = default_profile(allowed)
    else:
        profile = next((p for p in allowed if p["slug"] == slug), None)
    if profile is None:
        names = ", ".join(p["slug"] for p in allowed)
        raise SpawnRefused(
            403, f"Profile '{slug}' is not available to {user_name}. Available profiles: {names}."
        )
    for name, option in profile.get("profile_options", {}).items():
        check_option(profile["slug"], name, option, options)
    # Where the image comes from once every option is well formed: a registry outside the list is
    # a decision of the stack, not a typo.
    for name, option in profile.get("profile_options", {}).items():
        check_registry(profile["slug"], name, option, options)
    return profile["slug"]


def check_option(slug: str, name: str, option: Mapping[str, Any], options: Mapping[str, Any]) -> None:
    free_text = options.get(f"{name}--unlisted-choice")
    choice = options.get(name)
    if free_text not in (None, ""):
        unlisted = option.get("unlisted_choice", {})
        if not unlisted.get("enabled"):
            raise SpawnRefused(400, f"Option '{name}' of profile '{slug}' takes no free text.")
        # fullmatch and ASCII: `$` would accept a trailing newline, and `\w` any Unicode letter.
        if not isinstance(free_text, str) or not re.fullmatch(
            unlisted["validation_regex"], free_text, re.ASCII
        ):
            shown = free_text[:200] if isinstance(free_text, str) else free_text
            raise SpawnRefused(
                400,
                f"'{shown}' is not a valid {option['display_name'].lower()} for '{slug}'. "
                f"{unlisted.get('validation_message', 'It does not match the allowed pattern')}.",
            )
    elif choice not in (None, "") and (not isinstance(choice, str) or choice not in option["choices"]):
        choices = ", ".join(option["choices"])
        raise SpawnRefused(
            400, f"Option '{name}' of profile '{slug}' must be one of {choices}, not '{choice}'."
        )


def image_repository(image: str) -> str:
    """The repository an image reference names, with its registry, as containerd resolves it: no
    registry host means Docker Hub (`jupyter/x` is `docker.io/jupyter/x`, `x` is
    `docker.io/library/x`), `index.docker.io` is `docker.io`; tag and digest dropped. The config's
    TypeScript (config/schema/common.ts, imageRepository) does the same."""
    name = image.split("@", 1)[0]
    colon = name.rfind(":")
    repository = name[:colon] if colon > name.rfind("/") else name
    first, _, rest = repository.partition("/")
    if not rest or not ("." in first or ":" in first or first == "localhost"):
        return f"docker.io/{repository}" if rest else f"docker.io/library/{repository}"
    return f"docker.io/{rest}" if first == "index.docker.io" else repository


def from_allowed_registry(image: str, registries: Iterable[str]) -> bool:
    """Whether the image's repository is one of `registries` or below one of them (at a "/")."""
    repository = image_repository(image)
    return any(repository == prefix or repository.startswith(f"{prefix}/") for prefix in registries)


def registry_list(registries: list[str]) -> str:
    return registries[0] if len(registries) == 1 else f"{', '.join(registries[:-1])} or {registries[-1]}"


def check_registry(slug: str, name: str, option: Mapping[str, Any], options: Mapping[str, Any]) -> None:
    """A typed image (already a valid reference, check_option) must come from an allowed registry."""
    free_text = options.get(f"{name}--unlisted-choice")
    registries = option.get("unlisted_choice", {}).get("allowed_registries")
    if free_text in (None, "") or registries is None or from_allowed_registry(free_text, registries):
        return
    raise SpawnRefused(
        400,
        f"'{free_text[:200]}' is not from a registry allowed for '{slug}' "
        f"({image_repository(free_text)[:200]}). Allowed registries: {', '.join(registries)}.",
    )
