"""Admins' custom images come only from the stack's registries (hub.customImage.allowedRegistries):
crafted spawn requests against hub/jupyterhub_config.py loaded with the prod settings, and against a
real JupyterHub running it. Registries are compared as containerd resolves a reference: no host
means Docker Hub, and a prefix matches whole path segments only."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import USERS
from kubespawner import KubeSpawner
from profile_access import SpawnRefused, from_allowed_registry, image_repository
from test_real_hub import RunningHub, running_hub, signed_in
from traitlets.config import Config

ALLOWED = ["quay.io/jupyter", "docker.io/jupyter", "registry.cps.unileoben.ac.at"]
REFUSAL = "Allowed registries: quay.io/jupyter, docker.io/jupyter, registry.cps.unileoben.ac.at."
DIGEST = "sha256:" + "a" * 64


def checked(config: Config, image: str) -> KubeSpawner:
    """The spawner after the pre-spawn hook checked an admin's custom-image request for `image`."""

    async def make() -> KubeSpawner:
        made = KubeSpawner(_mock=True, config=config, user=USERS["admin"])
        made.user_options = {"profile": "custom-image", "image--unlisted-choice": image, "gpus": "1"}
        made.pre_spawn_hook(made)
        await made.load_user_options()
        return made

    return asyncio.run(make())


def test_the_settings_carry_the_stacks_registries(settings: dict[str, Any]) -> None:
    [custom] = [p for p in settings["profiles"] if "custom_image" in p]
    assert custom["custom_image"]["allowed_registries"] == ALLOWED


@pytest.mark.parametrize(
    "image",
    [
        "registry.cps.unileoben.ac.at/bio-gpu:2025-11",
        "quay.io/jupyter/pytorch-notebook:cuda12-2025-11-06",
        f"quay.io/jupyter/pytorch-notebook:cuda12-2025-11-06@{DIGEST}",  # tag and digest
        f"quay.io/jupyter/scipy-notebook@{DIGEST}",
        "jupyter/scipy-notebook:2025-11-06",  # Docker Hub without its host
        "docker.io/jupyter/scipy-notebook:2025-11-06",
    ],
)
def test_an_image_from_an_allowed_registry_starts(hub_config: Config, image: str) -> None:
    assert checked(hub_config, image).image == image


@pytest.mark.parametrize(
    ("image", "resolved"),
    [
        ("ghcr.io/someone/miner:1.0.0", "ghcr.io/someone/miner"),
        ("quay.io/jupyterx/notebook:2025-11-06", "quay.io/jupyterx/notebook"),  # a prefix, not a segment
        ("docker.io/jupyterhub/k8s-hub:4.4.0", "docker.io/jupyterhub/k8s-hub"),  # jupyterhub is not jupyter
        ("ubuntu:24.04", "docker.io/library/ubuntu"),
        ("someone/notebook:1.0.0", "docker.io/someone/notebook"),
        ("registry.cps.unileoben.ac.at.evil.org/x:1.0.0", "registry.cps.unileoben.ac.at.evil.org/x"),
        ("registry.cps.unileoben.ac.at:5000/x:1.0.0", "registry.cps.unileoben.ac.at:5000/x"),
        (f"ghcr.io/someone/miner@{DIGEST}", "ghcr.io/someone/miner"),
    ],
)
def test_an_image_from_any_other_registry_is_refused_with_400_naming_the_allowed_ones(
    hub_config: Config, image: str, resolved: str
) -> None:
    with pytest.raises(SpawnRefused) as refused:
        checked(hub_config, image)
    assert refused.value.status_code == 400
    assert refused.value.message == (
        f"'{image}' is not from a registry allowed for 'custom-image' ({resolved}). {REFUSAL}"
    )


def test_a_malformed_image_is_still_refused_as_malformed_first(hub_config: Config) -> None:
    with pytest.raises(SpawnRefused) as refused:
        checked(hub_config, "Not An Image!")
    assert refused.value.message.startswith("'Not An Image!' is not a valid image for 'custom-image'.")


def test_the_form_says_where_images_may_come_from(hub_config: Config) -> None:
    async def profiles() -> list[dict[str, Any]]:
        made = KubeSpawner(_mock=True, config=hub_config, user=USERS["admin"])
        return made.profile_list(made)

    [custom] = [p for p in asyncio.run(profiles()) if p["slug"] == "custom-image"]
    assert custom["profile_options"]["image"]["unlisted_choice"]["validation_message"] == (
        "Give one from quay.io/jupyter, docker.io/jupyter or registry.cps.unileoben.ac.at, "
        "such as quay.io/jupyter/pytorch-notebook:cuda12-2025-11-06"
    )


@pytest.mark.parametrize(
    ("image", "repository"),
    [
        ("x", "docker.io/library/x"),
        ("x:1", "docker.io/library/x"),
        ("a/b:1", "docker.io/a/b"),
        ("index.docker.io/a/b:1", "docker.io/a/b"),
        ("localhost/a:1", "localhost/a"),
        ("localhost:5000/a:1", "localhost:5000/a"),
        ("registry:5000/a/b:1", "registry:5000/a/b"),
        (f"quay.io/a/b:1@{DIGEST}", "quay.io/a/b"),
    ],
)
def test_references_resolve_as_containerd_resolves_them(image: str, repository: str) -> None:
    # The same table as test/config/images.test.ts, for the TypeScript that validates the stack.
    assert image_repository(image) == repository
    assert from_allowed_registry(image, [repository])


@pytest.fixture(scope="module")
def hub(settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    yield from running_hub(settings, tmp_path_factory)


def test_a_real_hub_refuses_a_crafted_request_for_an_image_from_another_registry(hub: RunningHub) -> None:
    response = signed_in(hub, "admin").post(
        f"{hub.url}/hub/api/users/admin/server",
        timeout=30,
        json={"profile": "custom-image", "image--unlisted-choice": "ghcr.io/someone/miner:1.0.0", "gpus": "2"},
    )
    assert response.status_code == 400
    assert response.json()["message"] == (
        f"'ghcr.io/someone/miner:1.0.0' is not from a registry allowed for 'custom-image' "
        f"(ghcr.io/someone/miner). {REFUSAL}"
    )
    assert not re.search(r"Calling Spawner.start for admin\b", hub.log())  # KubeSpawner never started
