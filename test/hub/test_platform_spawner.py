"""hub/platform_spawner.py: the spawn page's template compiled once gives KubeSpawner's own output."""

from __future__ import annotations

import asyncio

from conftest import USERS
from platform_spawner import PlatformSpawner, form_environment
from traitlets.config import Config


def spawner(config: Config, user_kind: str) -> PlatformSpawner:
    async def make() -> PlatformSpawner:
        return PlatformSpawner(_mock=True, config=config, user=USERS[user_kind])

    return asyncio.run(make())


def test_the_kept_template_renders_what_kubespawner_renders(hub_config: Config) -> None:
    for kind in ("student", "hpc", "admin"):
        made = spawner(hub_config, kind)
        profiles = made.profile_list(made)
        ours = made._render_options_form(profiles)
        theirs = super(PlatformSpawner, made)._render_options_form(made.profile_list(made))
        assert ours == theirs
        assert 'name="profile"' in ours


def test_the_environment_is_made_once_per_folder_list(hub_config: Config) -> None:
    made = spawner(hub_config, "student")
    made._render_options_form(made.profile_list(made))
    paths = tuple(made.additional_profile_form_template_paths)
    assert form_environment(paths) is form_environment(paths)
    assert form_environment.cache_info().currsize >= 1


def test_a_template_string_is_left_to_kubespawner(hub_config: Config) -> None:
    made = spawner(hub_config, "student")
    made.profile_form_template = "{{ profile_list | length }} profiles"
    assert made._render_options_form(made.profile_list(made)) == f"{len(made.profile_list(made))} profiles"
