"""Fixtures for the hub tests: the prod settings document as the TypeScript renders it, our
jupyterhub_config.py loaded from it, users of each kind, and a kubeconfig that leads nowhere
(KubeSpawner refuses to start without one; nothing here may reach a cluster)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from traitlets.config import Config, PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[2]
HUB_DIR = ROOT / "hub"
CONFIG_FILE = HUB_DIR / "jupyterhub_config.py"
sys.path.insert(0, str(HUB_DIR))  # profile_access, profile_culler

KUBE_DIR = pytest.StashKey[tempfile.TemporaryDirectory]()
# Environment our config reads; cleared around each load so the caller's shell cannot leak in.
CONFIG_ENV = (
    "JUPYTERHUB_SETTINGS",
    "JUPYTERHUB_DB_URL",
    "JUPYTERHUB_DB_PASSWORD",
    "JUPYTERHUB_TEST_AUTHENTICATOR",
    "IDLE_GPU_NOTIFIER_SMTP_PASSWORD",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render_settings(stack: str) -> str:
    tsx = ROOT / "node_modules" / ".bin" / "tsx"
    command = [str(tsx)] if tsx.exists() else ["npx", "--no-install", "tsx"]
    result = subprocess.run(
        [*command, "tools/hub-settings.ts", "--stack", stack],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
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
    return json.loads(settings_file.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def hub_config(settings_file: Path) -> Config:
    return load_hub_config(settings_file, JUPYTERHUB_DB_PASSWORD="not-a-secret")


def write_unreachable_kubeconfig(path: Path) -> Path:
    """A kubeconfig whose API server is a closed local port: KubeSpawner can load it, any call fails fast."""
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters: [{{name: none, cluster: {{server: 'https://127.0.0.1:{free_port()}'}}}}]\n"
        "users: [{name: none, user: {token: none}}]\n"
        "contexts: [{name: none, context: {cluster: none, user: none}}]\n"
        "current-context: none\n",
        encoding="utf-8",
    )
    return path


def pytest_configure(config: pytest.Config) -> None:
    """A kubeconfig whose API server is a closed local port: KubeSpawner loads it and fails fast if it
    calls. Set before collection, since kubernetes_asyncio reads KUBECONFIG when it is imported."""
    folder = tempfile.TemporaryDirectory(prefix="hub-test-kube-")
    config.stash[KUBE_DIR] = folder
    os.environ["KUBECONFIG"] = str(write_unreachable_kubeconfig(Path(folder.name) / "config"))
    # traitlets' notice about a List(default=...) in a dependency, not about our code
    config.addinivalue_line(
        "filterwarnings", "ignore:metadata .* was set from the constructor:DeprecationWarning"
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    config.stash[KUBE_DIR].cleanup()


def make_user(name: str, groups: list[str], admin: bool = False) -> SimpleNamespace:
    """The parts of a JupyterHub User that our config and KubeSpawner read."""
    return SimpleNamespace(
        name=name,
        id=sum(map(ord, name)),  # any stable int
        url=f"/user/{name}/",
        admin=admin,
        groups=[SimpleNamespace(name=group) for group in groups],
    )


USERS = {
    "student": make_user("student", ["cps-students"]),
    "hpc": make_user("hpc", ["cpsHPCAccess"]),
    "admin": make_user("admin", ["jupyter_admin"]),  # admin through the group, as Authentik makes them
    "nobody": make_user("nobody", []),
}
