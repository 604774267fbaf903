"""hub/jupyterhub_config.py loaded with the prod settings: the traits it sets, the profiles each kind
of user gets, and the spawn check. KubeSpawner is the real one, mocked only where it would call Kubernetes."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import hub_settings
import pytest
from conftest import CONFIG_FILE, USERS, load_hub_config, make_user
from identity import SignInRefused, pin_to_subject
from kubespawner import KubeSpawner
from oauthenticator.generic import GenericOAuthenticator
from profile_access import SpawnRefused
from traitlets.config import Config

ALL_SLUGS = [
    "cpu-default",
    "gpu-pytorch-single",
    "gpu-tensorflow-single",
    "gpu-pytorch-dual",
    "gpu-tensorflow-dual",
    "mig-1g-5gb",
    "mig-2g-10gb",
    "custom-image",
]
GOOD_IMAGE = "registry.cps.unileoben.ac.at/bio-gpu:2025-11"


def spawner(config: Config, user_kind: str, options: dict[str, Any] | None = None) -> KubeSpawner:
    # KubeSpawner makes its API client in __init__, which needs a running event loop.
    async def make() -> KubeSpawner:
        made = KubeSpawner(_mock=True, config=config, user=USERS[user_kind])
        made.user_options = options or {}
        return made

    return asyncio.run(make())


def slugs(config: Config, user_kind: str) -> list[str]:
    made = spawner(config, user_kind)
    return [p["slug"] for p in made.profile_list(made)]


def started_with(config: Config, user_kind: str, options: dict[str, Any]) -> KubeSpawner:
    """The spawner as start() leaves it before creating the pod: spawn check passed, profile applied."""
    made = spawner(config, user_kind, options)
    made.pre_spawn_hook(made)
    asyncio.run(made.load_user_options())
    return made


def refusal(config: Config, user_kind: str, options: dict[str, Any]) -> SpawnRefused:
    made = spawner(config, user_kind, options)
    with pytest.raises(SpawnRefused) as caught:
        made.pre_spawn_hook(made)
    return caught.value


class TestProfilesEachUserSees:
    def test_a_student_sees_only_the_cpu_profile(self, hub_config: Config) -> None:
        assert slugs(hub_config, "student") == ["cpu-default"]

    def test_hpc_users_see_cpu_four_gpu_and_two_mig_profiles_but_no_custom_image(
        self, hub_config: Config, settings: dict[str, Any]
    ) -> None:
        # every profile the settings open to the user's groups, in page order; the seed's among them
        groups = {group.name for group in USERS["hpc"].groups}
        seen = slugs(hub_config, "hpc")
        assert seen == [p["slug"] for p in settings["profiles"] if groups & set(p["groups"])]
        assert set(ALL_SLUGS[:-1]) <= set(seen) and "custom-image" not in seen

    def test_admins_see_every_profile(self, hub_config: Config, settings: dict[str, Any]) -> None:
        seen = slugs(hub_config, "admin")
        assert seen == [p["slug"] for p in settings["profiles"]]
        assert set(ALL_SLUGS) <= set(seen)

    def test_the_admin_flag_alone_also_shows_everything(
        self, hub_config: Config, settings: dict[str, Any]
    ) -> None:
        async def profiles() -> list[dict[str, Any]]:
            made = KubeSpawner(_mock=True, config=hub_config, user=make_user("root", [], admin=True))
            return made.profile_list(made)

        assert [p["slug"] for p in asyncio.run(profiles())] == [p["slug"] for p in settings["profiles"]]

    def test_a_user_without_groups_sees_nothing(self, hub_config: Config) -> None:
        assert slugs(hub_config, "nobody") == []

    def test_profiles_carry_what_the_cards_show(self, hub_config: Config) -> None:
        made = spawner(hub_config, "hpc")
        single = next(p for p in made.profile_list(made) if p["slug"] == "gpu-pytorch-single")
        assert single["display_name"] == "GPU: PyTorch (1×)"
        assert single["summary"] == "1× GPU • 16 vCPU • 64 GiB"
        assert [p["slug"] for p in made.profile_list(made) if p["default"]] == ["cpu-default"]

    def test_the_custom_image_profile_offers_any_valid_image_and_zero_to_two_gpus(
        self, hub_config: Config, settings: dict[str, Any]
    ) -> None:
        made = spawner(hub_config, "admin")
        options = next(p for p in made.profile_list(made) if p["slug"] == "custom-image")["profile_options"]
        custom = next(p for p in settings["profiles"] if p["slug"] == "custom-image")["custom_image"]
        image = options["image"]
        assert image["choices"] == {
            "default": {
                "display_name": custom["default_image"],
                "default": True,
                "kubespawner_override": {"image": custom["default_image"]},
            }
        }
        assert image["unlisted_choice"]["enabled"] is True
        assert image["unlisted_choice"]["validation_regex"] == custom["image_pattern"]
        assert image["unlisted_choice"]["kubespawner_override"] == {"image": "{value}"}
        gpus = options["gpus"]["choices"]
        assert list(gpus) == ["0", "1", "2"]
        assert gpus["0"]["kubespawner_override"] == {} and gpus["0"]["default"] is True
        assert gpus["2"]["kubespawner_override"] == custom["gpu_overrides"]["2"]


class TestProfileOverrides:
    def test_the_cpu_default_profile_asks_for_no_gpu(self, hub_config: Config) -> None:
        made = started_with(hub_config, "student", {})
        assert made.image == "quay.io/jupyter/datascience-notebook:2025-11-06"
        assert (made.cpu_limit, made.mem_limit) == (2, 2 * 1024**3)
        assert made.extra_resource_limits == {}
        assert "runtimeClassName" not in made.extra_pod_config
        assert made.node_affinity_required == []

    def test_a_full_gpu_profile_asks_for_nvidia_gpus_off_the_mig_node(self, hub_config: Config) -> None:
        made = started_with(hub_config, "hpc", {"profile": "gpu-pytorch-dual"})
        assert made.extra_resource_limits == {"nvidia.com/gpu": "2"}
        assert made.extra_resource_guarantees == {"nvidia.com/gpu": "2"}
        # merged into the base pod config, not replacing it
        assert made.extra_pod_config == {
            "priorityClassName": "jupyterhub-user",
            "enableServiceLinks": False,
            "runtimeClassName": "nvidia",
        }
        # a GPU node not in MIG mode: no MIG layout label, or the operator's all-disabled
        gpu_node = {"key": "nvidia.com/gpu.present", "operator": "In", "values": ["true"]}
        assert made.node_affinity_required == [
            {"matchExpressions": [gpu_node, {"key": "nvidia.com/mig.config", "operator": "DoesNotExist"}]},
            {
                "matchExpressions": [
                    gpu_node,
                    {"key": "nvidia.com/mig.config", "operator": "In", "values": ["all-disabled"]},
                ]
            },
        ]

    def test_a_mig_profile_asks_for_its_slice_on_the_mig_node(self, hub_config: Config) -> None:
        made = started_with(hub_config, "hpc", {"profile": "mig-1g-5gb"})
        assert made.extra_resource_limits == {"nvidia.com/mig-1g.5gb": "1"}
        assert made.extra_pod_config["runtimeClassName"] == "nvidia"
        # a node in MIG mode, whatever its layout; the requested slice picks the node
        assert made.node_affinity_required == [
            {
                "matchExpressions": [
                    {"key": "nvidia.com/mig.config", "operator": "Exists"},
                    {"key": "nvidia.com/mig.config", "operator": "NotIn", "values": ["all-disabled"]},
                ]
            }
        ]

    def test_the_pod_kubespawner_would_create_for_a_gpu_profile(self, hub_config: Config) -> None:
        made = started_with(hub_config, "hpc", {"profile": "gpu-pytorch-single"})
        pod = asyncio.run(made.get_pod_manifest())
        resources = pod.spec.containers[0].resources
        assert resources.limits["nvidia.com/gpu"] == "1" and resources.requests["nvidia.com/gpu"] == "1"
        assert (resources.limits["cpu"], resources.limits["memory"]) == (16, 64 * 1024**3)
        assert pod.spec.runtime_class_name == "nvidia"
        assert pod.spec.scheduler_name == "jupyterhub-user-scheduler"
        assert pod.spec.priority_class_name == "jupyterhub-user"
        assert pod.metadata.name == "jupyter-hpc"
        assert pod.spec.volumes[0].persistent_volume_claim == {"claimName": "claim-hpc"}

    def test_the_pod_carries_its_profile_as_a_label_beside_the_spawners_own_labels(self, hub_config: Config) -> None:
        # KubeSpawner merges a dict override into the trait: the hub-access label stays.
        pod = asyncio.run(started_with(hub_config, "hpc", {"profile": "mig-1g-5gb"}).get_pod_manifest())
        assert pod.metadata.labels["gpu-jupyterhub/profile"] == "mig-1g-5gb"
        assert pod.metadata.labels["hub.jupyter.org/network-access-hub"] == "true"
        # each spawner gets its own copy of the configured labels: another user's profile does not leak
        other = asyncio.run(started_with(hub_config, "admin", {"profile": "gpu-pytorch-single"}).get_pod_manifest())
        assert other.metadata.labels["gpu-jupyterhub/profile"] == "gpu-pytorch-single"
        assert pod.metadata.labels["gpu-jupyterhub/profile"] == "mig-1g-5gb"

    def test_an_admin_custom_image_with_two_gpus(self, hub_config: Config) -> None:
        made = started_with(
            hub_config,
            "admin",
            {"profile": "custom-image", "image--unlisted-choice": GOOD_IMAGE, "gpus": "2"},
        )
        assert made.image == GOOD_IMAGE
        assert made.extra_resource_limits == {"nvidia.com/gpu": "2"}
        assert made.extra_pod_config["runtimeClassName"] == "nvidia"
        assert made.cpu_limit == 16

    def test_the_custom_image_profile_defaults_to_its_image_and_no_gpu(self, hub_config: Config) -> None:
        made = started_with(hub_config, "admin", {"profile": "custom-image", "image--unlisted-choice": ""})
        assert made.image == "quay.io/jupyter/pytorch-notebook:cuda12-2025-11-06"
        assert made.extra_resource_limits == {}


def restricted_violations(pod: dict[str, Any]) -> list[str]:
    """What Pod Security "restricted" (enforced on the hub's namespace) refuses in a pod manifest:
    the checks test/support/pod-security.ts makes for the rendered pods, for the pods KubeSpawner builds."""
    spec = pod["spec"]
    pod_context = spec.get("securityContext") or {}
    found = []
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field):
            found.append(f"{field}=true")
    allowed_volumes = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim"}
    for volume in spec.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= allowed_volumes | {"projected", "secret"}:
            found.append(f"volume {volume['name']}: {sorted(kinds)}")
    if pod_context.get("runAsUser") == 0:
        found.append("pod: runAsUser=0")
    for container in (spec.get("initContainers") or []) + spec["containers"]:
        context = container.get("securityContext") or {}
        name = container["name"]
        if context.get("privileged"):
            found.append(f"{name}: privileged")
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name}: allowPrivilegeEscalation")
        if context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is not True:
            found.append(f"{name}: runAsNonRoot")
        if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
            found.append(f"{name}: runAsUser=0")
        seccomp = (context.get("seccompProfile") or pod_context.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            found.append(f"{name}: seccompProfile")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            found.append(f"{name}: capabilities.drop")
        if set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}:
            found.append(f"{name}: capabilities.add")
        if any(port.get("hostPort") for port in container.get("ports") or []):
            found.append(f"{name}: hostPort")
    return found


def pod_manifest(made: KubeSpawner) -> dict[str, Any]:
    pod = asyncio.run(made.get_pod_manifest())
    return made.api.api_client.sanitize_for_serialization(pod)


class TestUserPodsPassPodSecurityRestricted:
    @pytest.mark.parametrize("slug", [slug for slug in ALL_SLUGS if slug != "custom-image"])
    def test_each_profiles_pod(self, hub_config: Config, slug: str) -> None:
        pod = pod_manifest(started_with(hub_config, "admin", {"profile": slug}))
        assert restricted_violations(pod) == []

    def test_an_admins_custom_image_with_gpus_runs_as_the_notebook_user_whatever_the_image(
        self, hub_config: Config
    ) -> None:
        options = {"profile": "custom-image", "image--unlisted-choice": GOOD_IMAGE, "gpus": "2"}
        pod = pod_manifest(started_with(hub_config, "admin", options))
        assert restricted_violations(pod) == []
        [container] = pod["spec"]["containers"]
        assert container["securityContext"]["runAsUser"] == 1000  # not the image's USER, which may be root

    def test_the_pod_level_context_covers_containers_kubespawner_adds(self, hub_config: Config) -> None:
        made = started_with(hub_config, "student", {})
        made.init_containers = [
            {
                "name": "fetch",
                "image": GOOD_IMAGE,
                "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
            }
        ]
        pod = pod_manifest(made)
        assert pod["spec"]["securityContext"] == {
            "fsGroup": 100,
            "runAsNonRoot": True,
            "seccompProfile": {"type": "RuntimeDefault"},
        }
        assert restricted_violations(pod) == []


class TestSpawnCheck:
    def test_a_student_asking_for_a_gpu_profile_is_refused_with_403(self, hub_config: Config) -> None:
        refused = refusal(hub_config, "student", {"profile": "gpu-pytorch-single"})
        assert refused.status_code == 403
        assert refused.message == (
            "Profile 'gpu-pytorch-single' is not available to student. Available profiles: cpu-default."
        )

    def test_an_hpc_user_asking_for_the_custom_image_is_refused(self, hub_config: Config) -> None:
        refused = refusal(
            hub_config, "hpc", {"profile": "custom-image", "image--unlisted-choice": GOOD_IMAGE}
        )
        assert refused.status_code == 403
        assert "Profile 'custom-image' is not available to hpc." in refused.message

    def test_a_user_without_profiles_is_refused_even_without_options(self, hub_config: Config) -> None:
        refused = refusal(hub_config, "nobody", {})
        assert refused.status_code == 403
        assert (
            refused.message
            == "No notebook profile is available to nobody: ask to be added to a course group."
        )

    def test_a_request_without_a_profile_is_started_as_the_default_it_was_checked_as(
        self, hub_config: Config
    ) -> None:
        made = spawner(hub_config, "student", {})
        made.pre_spawn_hook(made)
        assert made.user_options == {"profile": "cpu-default"}

    def test_a_request_without_a_profile_has_the_default_profiles_options_checked(
        self, settings_file: Path, tmp_path: Path
    ) -> None:
        settings = json.loads(settings_file.read_text())
        for profile in settings["profiles"]:
            profile["default"] = profile["slug"] == "custom-image"
        changed = tmp_path / "settings.json"
        changed.write_text(json.dumps(settings))
        config = load_hub_config(changed, JUPYTERHUB_DB_URL="sqlite://")
        refused = refusal(config, "admin", {"gpus": "4"})
        assert refused.status_code == 400
        assert refused.message == "Option 'gpus' of profile 'custom-image' must be one of 0, 1, 2, not '4'."
        assert refusal(config, "admin", {"image--unlisted-choice": "Not An Image!"}).status_code == 400

    @pytest.mark.parametrize(
        ("kind", "options"),
        [
            ("student", {}),
            ("student", {"profile": "cpu-default"}),
            ("hpc", {"profile": "mig-2g-10gb"}),
            ("admin", {"profile": "custom-image", "image--unlisted-choice": GOOD_IMAGE, "gpus": "1"}),
            ("admin", {"profile": "custom-image", "image": "default", "gpus": "0"}),
        ],
    )
    def test_allowed_requests_pass(self, hub_config: Config, kind: str, options: dict[str, Any]) -> None:
        made = spawner(hub_config, kind, options)
        made.pre_spawn_hook(made)

    @pytest.mark.parametrize(
        ("image", "shown"),
        [
            ("Not An Image!", "'Not An Image!' is not a valid image for 'custom-image'"),
            (GOOD_IMAGE + "\n", "is not a valid image"),  # `$` alone would accept the newline
            (
                "registry.example/app:tägé",
                "is not a valid image",
            ),  # `\w` would match Unicode without re.ASCII
        ],
    )
    def test_a_bad_custom_image_is_refused_with_400(self, hub_config: Config, image: str, shown: str) -> None:
        refused = refusal(hub_config, "admin", {"profile": "custom-image", "image--unlisted-choice": image})
        assert refused.status_code == 400
        assert shown in refused.message

    @pytest.mark.parametrize("gpus", ["3", "-1", 1, "all"])
    def test_a_gpu_count_outside_zero_to_two_is_refused_with_400(self, hub_config: Config, gpus: Any) -> None:
        refused = refusal(hub_config, "admin", {"profile": "custom-image", "gpus": gpus})
        assert refused.status_code == 400
        assert (
            refused.message
            == f"Option 'gpus' of profile 'custom-image' must be one of 0, 1, 2, not '{gpus}'."
        )

    def test_an_unknown_image_choice_is_refused_rather_than_failing_inside_kubespawner(
        self, hub_config: Config
    ) -> None:
        refused = refusal(hub_config, "admin", {"profile": "custom-image", "image": "evil/miner:1"})
        assert refused.status_code == 400


class TestHubTraits:
    def test_hub_proxy_and_limits(self, hub_config: Config) -> None:
        hub = hub_config.JupyterHub
        assert hub.hub_bind_url == "http://:8081"
        assert hub.hub_connect_url == "http://hub:8081"
        assert hub.log_level == "INFO"
        assert hub.concurrent_spawn_limit == 64
        assert hub.active_server_limit == 0
        assert hub.cleanup_servers is False
        assert hub.init_spawners_timeout == -1  # consistent routes after a restart (docs/sim.md)
        assert hub.tornado_settings == {"slow_spawn_timeout": 10}
        assert hub_config.ConfigurableHTTPProxy.should_start is False
        assert hub_config.ConfigurableHTTPProxy.api_url == "http://proxy-api:8001"
        assert "auth_token" not in hub_config.ConfigurableHTTPProxy  # CONFIGPROXY_AUTH_TOKEN, read natively
        assert "cookie_secret" not in hub  # JPY_COOKIE_SECRET, read natively

    def test_postgres_url_has_the_password_from_the_environment_url_quoted(self, settings_file: Path) -> None:
        config = load_hub_config(settings_file, JUPYTERHUB_DB_PASSWORD="p@ss/w:rd%")
        assert (
            config.JupyterHub.db_url
            == "postgresql+psycopg2://jupyterhub:p%40ss%2Fw%3Ard%25@hub-db:5432/jupyterhub"
        )

    def test_jupyterhub_db_url_wins_so_tests_can_use_sqlite(self, settings_file: Path) -> None:
        config = load_hub_config(settings_file, JUPYTERHUB_DB_URL="sqlite:///x.sqlite")
        assert config.JupyterHub.db_url == "sqlite:///x.sqlite"

    def test_an_external_database_without_its_url_stops_the_hub(
        self, settings_file: Path, tmp_path: Path
    ) -> None:
        external = tmp_path / "settings.json"
        external.write_text(
            json.dumps({**json.loads(settings_file.read_text()), "database": {"type": "external"}})
        )
        with pytest.raises(SystemExit, match="JUPYTERHUB_DB_URL is not set"):
            load_hub_config(external)

    def test_postgres_without_its_password_stops_the_hub(self, settings_file: Path) -> None:
        with pytest.raises(SystemExit, match="JUPYTERHUB_DB_PASSWORD is not set"):
            load_hub_config(settings_file)

    def test_spawner_settings_are_set_as_given(self, hub_config: Config, settings: dict[str, Any]) -> None:
        assert hub_config.JupyterHub.spawner_class == "platform_spawner.PlatformSpawner"
        for key, value in settings["spawner"].items():
            assert hub_config.KubeSpawner[key] == value, key
        form_dir = Path(hub_config.KubeSpawner.additional_profile_form_template_paths[0])
        assert form_dir == CONFIG_FILE.parent / "templates" and (form_dir / "form.html").is_file()


class TestAuthenticator:
    def test_generic_oauth_against_authentik_with_groups(self, hub_config: Config) -> None:
        assert hub_config.JupyterHub.authenticator_class == "generic-oauth"
        oauth = hub_config.GenericOAuthenticator
        assert oauth.authorize_url == "https://auth.cps.unileoben.ac.at/application/o/authorize/"
        assert oauth.token_url == "https://auth.cps.unileoben.ac.at/application/o/token/"
        assert oauth.userdata_url == "https://auth.cps.unileoben.ac.at/application/o/userinfo/"
        assert oauth.oauth_callback_url == "https://jupyterhub.cps.unileoben.ac.at/hub/oauth_callback"
        assert oauth.scope == ["openid", "profile", "email", "groups"]
        assert oauth.username_claim == "preferred_username"
        assert oauth.manage_groups is True
        assert oauth.auth_state_groups_key == "oauth_user.groups"
        assert oauth.allowed_groups == {"cps-students", "cpsHPCAccess", "jupyter_admin"}
        assert oauth.admin_groups == {"jupyter_admin"}
        assert oauth.login_service == "Authentik"
        # logging out ends the Authentik session too (shared lab PCs)
        assert (
            oauth.logout_redirect_url
            == "https://auth.cps.unileoben.ac.at/application/o/jupyterhub/end-session/"
        )
        assert callable(hub_config.Authenticator.post_auth_hook)  # identity.pin_to_subject
        assert "client_secret" not in oauth  # OAUTH_CLIENT_SECRET, read natively
        assert hub_config.Authenticator.enable_auth_state is True

    def test_the_authenticator_accepts_the_traits(self, hub_config: Config) -> None:
        authenticator = GenericOAuthenticator(config=hub_config)
        assert authenticator.allowed_groups == {"cps-students", "cpsHPCAccess", "jupyter_admin"}
        assert authenticator.allow_all is False

    def test_tests_can_swap_the_authenticator(self, settings_file: Path) -> None:
        config = load_hub_config(
            settings_file,
            JUPYTERHUB_DB_URL="sqlite://",
            JUPYTERHUB_TEST_AUTHENTICATOR="authentik_standin.AuthentikStandIn",
        )
        assert config.JupyterHub.authenticator_class == "authentik_standin.AuthentikStandIn"


class TestSubjectPin:
    """identity.pin_to_subject, JupyterHub's post_auth_hook: a name stays bound to the first `sub` it saw."""

    def sign_in(
        self, stored: dict[str, Any] | None, userinfo: dict[str, Any], known: bool = True
    ) -> dict[str, Any]:
        async def get_auth_state() -> dict[str, Any] | None:
            return stored

        user = SimpleNamespace(get_auth_state=get_auth_state)
        handler = SimpleNamespace(find_user=lambda name: user if known else None)
        authenticator = SimpleNamespace(user_auth_state_key="oauth_user", log=logging.getLogger("test"))
        authentication = {"name": "alice", "auth_state": {"oauth_user": userinfo}}
        return asyncio.run(pin_to_subject("sub", "Authentik")(authenticator, handler, authentication))

    def test_a_new_name_and_the_same_subject_again_sign_in(self) -> None:
        assert self.sign_in(None, {"sub": "s1"}, known=False)["name"] == "alice"
        assert self.sign_in(None, {"sub": "s1"})["name"] == "alice"  # a user with no auth state yet
        assert self.sign_in({"oauth_user": {"sub": "s1"}}, {"sub": "s1"})["name"] == "alice"

    def test_another_subject_for_a_bound_name_is_refused(self) -> None:
        with pytest.raises(SignInRefused) as refused:
            self.sign_in({"oauth_user": {"sub": "s1"}}, {"sub": "s2"})
        assert refused.value.status_code == 403
        assert refused.value.message.startswith("The name alice belongs to another Authentik account")

    def test_a_userinfo_without_subject_is_refused(self) -> None:
        with pytest.raises(SignInRefused, match="Authentik sent no 'sub' for alice"):
            self.sign_in(None, {"preferred_username": "alice"}, known=False)


class TestCullers:
    SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]

    def test_the_idle_culler_runs_as_a_hub_service_with_the_settings_flags(self, hub_config: Config) -> None:
        service = next(s for s in hub_config.JupyterHub.services if s["name"] == "jupyterhub-idle-culler")
        assert service["command"] == [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            "--url=http://127.0.0.1:8081/hub/api",
            "--timeout=3600",
            "--cull-every=600",
            "--concurrency=10",
            "--max-age=28800",
            "--remove-named-servers=true",
        ]

    def test_the_profile_culler_runs_as_a_hub_service(self, hub_config: Config, settings_file: Path) -> None:
        service = next(s for s in hub_config.JupyterHub.services if s["name"] == "profile-culler")
        assert service["command"] == [
            sys.executable,
            str(CONFIG_FILE.parent / "profile_culler.py"),
            "--url=http://127.0.0.1:8081/hub/api",
            f"--settings={settings_file}",
            "--every=60",
        ]

    def test_each_culler_has_a_role_with_exactly_the_scopes_it_needs(self, hub_config: Config) -> None:
        assert hub_config.JupyterHub.load_roles == [
            {"name": "jupyterhub-idle-culler", "scopes": self.SCOPES, "services": ["jupyterhub-idle-culler"]},
            {"name": "profile-culler", "scopes": self.SCOPES, "services": ["profile-culler"]},
        ]

    def test_culling_users_adds_admin_users_to_the_idle_culler_only(
        self, settings_file: Path, tmp_path: Path
    ) -> None:
        settings = json.loads(settings_file.read_text())
        settings["culler"].update(users=True, max_age=0, remove_named_servers=False)
        changed = tmp_path / "settings.json"
        changed.write_text(json.dumps(settings))
        config = load_hub_config(changed, JUPYTERHUB_DB_URL="sqlite://")
        idle, profile = config.JupyterHub.load_roles
        assert idle["scopes"] == [*self.SCOPES, "admin:users"] and profile["scopes"] == self.SCOPES
        command = config.JupyterHub.services[0]["command"]
        assert "--cull-users=true" in command
        assert not any(flag.startswith(("--max-age", "--remove-named-servers")) for flag in command)

    def test_culling_off_means_no_services(self, settings_file: Path, tmp_path: Path) -> None:
        settings = json.loads(settings_file.read_text())
        settings["culler"]["enabled"] = False
        changed = tmp_path / "settings.json"
        changed.write_text(json.dumps(settings))
        config = load_hub_config(changed, JUPYTERHUB_DB_URL="sqlite://")
        assert config.JupyterHub.services == [] and config.JupyterHub.load_roles == []


class TestSettingsSchema:
    """The document is checked against hub/settings.schema.json, generated from the TypeScript that
    writes it: a field renamed on one side stops the hub with the field's name."""

    def renamed(self, settings_file: Path, tmp_path: Path, section: str, old: str, new: str) -> Path:
        settings = json.loads(settings_file.read_text())
        settings[section][new] = settings[section].pop(old)
        changed = tmp_path / "settings.json"
        changed.write_text(json.dumps(settings))
        return changed

    def test_the_rendered_prod_settings_match_the_schema(self, settings: dict[str, Any]) -> None:
        assert hub_settings.problems(settings, json.loads(hub_settings.SCHEMA_PATH.read_text())) == []

    def test_a_renamed_field_stops_the_hub_naming_both_names(self, settings_file: Path, tmp_path: Path) -> None:
        changed = self.renamed(settings_file, tmp_path, "culler", "max_age", "maxAge")
        with pytest.raises(SystemExit) as stopped:
            load_hub_config(changed, JUPYTERHUB_DB_URL="sqlite://")
        assert str(stopped.value) == (
            f"{changed} does not match the hub settings schema (settings.schema.json):\n"
            "  culler.max_age: missing\n"
            "  culler.maxAge: not a field of the hub settings"
        )

    def test_a_field_of_a_profile_is_named_with_its_place(self, settings_file: Path, tmp_path: Path) -> None:
        settings = json.loads(settings_file.read_text())
        settings["profiles"][1]["kubespawner_override"]["mem_limit"] = "64Gi"
        changed = tmp_path / "settings.json"
        changed.write_text(json.dumps(settings))
        with pytest.raises(SystemExit) as stopped:
            load_hub_config(changed, JUPYTERHUB_DB_URL="sqlite://")
        assert "profiles.1.kubespawner_override.mem_limit: '64Gi' is not of type 'integer'" in str(stopped.value)

    def test_the_profile_culler_checks_the_settings_too(self, settings_file: Path, tmp_path: Path) -> None:
        changed = self.renamed(settings_file, tmp_path, "hub", "log_level", "loglevel")
        culler = CONFIG_FILE.parent / "profile_culler.py"
        run = subprocess.run(
            [sys.executable, str(culler), "--url=http://127.0.0.1:1/hub/api", f"--settings={changed}", "--once"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "JUPYTERHUB_API_TOKEN": "not-a-token"},
        )
        assert run.returncode == 1
        assert "hub.log_level: missing\n  hub.loglevel: not a field of the hub settings" in run.stderr


def test_the_settings_document_holds_no_secret(settings: dict[str, Any]) -> None:
    def keys(node: Any) -> list[str]:
        if isinstance(node, dict):
            return [k for key, value in node.items() for k in (key, *keys(value))]
        return [k for item in node for k in keys(item)] if isinstance(node, list) else []

    assert [
        k for k in keys(settings) if re.search(r"secret|password|crypt|auth_token|api_token|db_url", k)
    ] == []
