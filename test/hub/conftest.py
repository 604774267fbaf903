"""Fixtures for the hub tests: the prod settings document as the TypeScript renders it, our
jupyterhub_config.py loaded from it, users of each kind, and a kubeconfig that leads nowhere
(KubeSpawner refuses to start without one; nothing here may reach a cluster)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from traitlets.config import Config, PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[2]
HUB_DIR = ROOT / "hub"
CONFIG_FILE = HUB_DIR / "jupyterhub_config.py"
sys.path.insert(0, str(HUB_DIR))  # profile_access, profile_culler

# Environment our config reads; cleared around each load so the caller's shell cannot leak in.
CONFIG_ENV = ("JUPYTERHUB_SETTINGS", "JUPYTERHUB_DB_URL", "JUPYTERHUB_DB_PASSWORD", "JUPYTERHUB_TEST_AUTHENTICATOR")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render_settings(stack: str) -> str:
    tsx = ROOT / "node_modules" / ".bin" / "tsx"
    command = [str(tsx)] if tsx.exists() else ["npx", "--no-install", "tsx"]
    result = subprocess.run([*command, "tools/hub-settings.ts", "--stack", stack], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        pytest.fail(f"rendering the {stack} hub settings failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def load_hub_config(settings_file: Path, **env: str) -> Config:
    """Our jupyterhub_config.py as JupyterHub loads it, with only `env` (and the settings path) set."""
    saved = {key: os.environ.pop(key, None) for key in CONFIG_ENV}
    os.environ.update({"JUPYTERHUB_SETTINGS": str(settings_file), **env})
    try:
        return PyFileConfigLoader(CONFIG_FILE.name, path=str(HUB_DIR)).load_config()
    finally:
        for key in CONFIG_ENV:
            os.environ.pop(key, None)
        os.environ.update({key: value for key, value in saved.items() if value is not None})


@pytest.fixture(scope="session")
def settings_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("settings") / "settings.json"
    path.write_text(render_settings("prod"), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def settings(settings_file: Path) -> dict[str, Any]:
    import json

    return json.loads(settings_file.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def hub_config(settings_file: Path) -> Config:
    return load_hub_config(settings_file, JUPYTERHUB_DB_PASSWORD="not-a-secret")


@pytest.fixture(scope="session")
def kubeconfig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A kubeconfig whose API server is a closed local port: KubeSpawner loads it, and fails fast if it calls."""
    path = tmp_path_factory.mktemp("kube") / "config"
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters: [{{name: none, cluster: {{server: 'https://127.0.0.1:{free_port()}'}}}}]\n"
        "users: [{name: none, user: {token: none}}]\n"
        "contexts: [{name: none, context: {cluster: none, user: none}}]\n"
        "current-context: none\n",
        encoding="utf-8",
    )
    saved = os.environ.get("KUBECONFIG")
    os.environ["KUBECONFIG"] = str(path)
    yield path
    if saved is None:
        os.environ.pop("KUBECONFIG", None)
    else:
        os.environ["KUBECONFIG"] = saved


def make_user(name: str, groups: list[str], admin: bool = False) -> SimpleNamespace:
    """The parts of a JupyterHub User that our config and KubeSpawner read."""
    return SimpleNamespace(name=name, id=abs(hash(name)) % 10_000, url=f"/user/{name}/", admin=admin,
                           groups=[SimpleNamespace(name=group) for group in groups])


USERS = {
    "student": make_user("student", ["cps-students"]),
    "hpc": make_user("hpc", ["cpsHPCAccess"]),
    "admin": make_user("admin", ["jupyter_admin"]),  # admin through the group, as Authentik makes them
    "nobody": make_user("nobody", []),
}
