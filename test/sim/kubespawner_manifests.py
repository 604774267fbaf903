"""Prints, as JSON, the pod and claim KubeSpawner itself makes for user USER with each profile.

    python test/sim/kubespawner_manifests.py SETTINGS_JSON USER

The spawner is configured from the hub settings exactly as hub/jupyterhub_config.py does (every key
of `spawner` set on KubeSpawner, the profiles as profile_list), the profile is picked through
user_options, and get_pod_manifest()/get_pvc_manifest() build the objects. No cluster is contacted:
KubeSpawner only reads a kubeconfig when it starts, so a dummy one is written.
"""

import asyncio
import json
import os
import sys
import tempfile
from unittest.mock import Mock

DUMMY_KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
"""
# kubernetes_asyncio reads KUBECONFIG when it is imported: set it first.
with tempfile.NamedTemporaryFile("w", suffix=".kubeconfig", delete=False) as _kubeconfig:
    _kubeconfig.write(DUMMY_KUBECONFIG)
os.environ["KUBECONFIG"] = _kubeconfig.name

from kubernetes_asyncio.client import ApiClient  # noqa: E402
from kubespawner import KubeSpawner  # noqa: E402
from traitlets.config import Config  # noqa: E402


class User:
    def __init__(self, name: str) -> None:
        self.name = name
        self.id = 1
        self.admin = False
        self.url = f"/user/{name}/"
        self.groups = []
        self.spawners = {}
        self.server = Mock(base_url=f"/user/{name}/", url=f"/user/{name}/")


async def manifests(settings: dict, slug: str, user: str) -> dict:
    config = Config()
    for key, value in settings["spawner"].items():
        setattr(config.KubeSpawner, key, value)
    config.KubeSpawner.profile_list = [
        {key: profile[key] for key in ("slug", "display_name", "default", "kubespawner_override")}
        for profile in settings["profiles"]
    ]
    hub = Mock(url="http://hub:8081/hub/", api_url="http://hub:8081/hub/api", public_host="", base_url="/hub/")
    spawner = KubeSpawner(config=config, user=User(user), hub=hub, api_token="x", _mock=True,
                          oauth_client_id=f"jupyterhub-user-{user}")
    spawner.user_options = {"profile": slug}
    await spawner.load_user_options()
    api = ApiClient()
    return {
        "pod": api.sanitize_for_serialization(await spawner.get_pod_manifest()),
        "claim": api.sanitize_for_serialization(spawner.get_pvc_manifest()),
    }


def main() -> None:
    settings = json.load(open(sys.argv[1], encoding="utf-8"))
    user = sys.argv[2]
    try:
        result = {p["slug"]: asyncio.run(manifests(settings, p["slug"], user)) for p in settings["profiles"]}
    finally:
        os.unlink(_kubeconfig.name)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
