"""The real hub of test_real_hub.py, served outside pytest for the browser test
(test/browser/spawn-page.test.ts): hub/jupyterhub_config.py with the prod settings, Authentik's
stand-in, the proxy API stub, sqlite, and a kubeconfig whose API server is a closed local port.

    .work/venv/bin/python test/hub/serve_hub.py

Prints one JSON line {"url", "pid", "log"} once /hub/health answers (pid: the hub's process group),
then serves until its standard input closes or it gets SIGTERM/SIGINT, and stops the hub and its
services, the stub and its temporary folder. Anything else goes to standard error. Reading EOF on
standard input means the hub goes away with its caller, however the caller ends.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from conftest import CONFIG_ENV, CONFIG_FILE, free_port, render_settings
from test_real_hub import PROXY_TOKEN, TEST_DIR, ProxyApiStub, RunningHub, stop, wait_until_healthy

STACK = "prod"


def kubeconfig(folder: Path) -> Path:
    """As conftest.pytest_configure: KubeSpawner needs one, and nothing may reach a cluster."""
    path = folder / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters: [{{name: none, cluster: {{server: 'https://127.0.0.1:{free_port()}'}}}}]\n"
        "users: [{name: none, user: {token: none}}]\n"
        "contexts: [{name: none, context: {cluster: none, user: none}}]\n"
        "current-context: none\n",
        encoding="utf-8",
    )
    return path


def start_hub(folder: Path, proxy: ProxyApiStub) -> tuple[subprocess.Popen, RunningHub]:
    """The same hub as test_real_hub.hub, without debug logs (nothing here reads them)."""
    settings = json.loads(render_settings(STACK))
    url = f"http://127.0.0.1:{free_port()}"
    local = {
        **settings,
        "hub": {**settings["hub"], "bind_url": url, "connect_url": url},
        "proxy": {"api_url": f"http://127.0.0.1:{proxy.server_port}"},
    }
    settings_file = folder / "settings.json"
    settings_file.write_text(json.dumps(local), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_ENV}
    env.update(
        KUBECONFIG=str(kubeconfig(folder)),
        JUPYTERHUB_SETTINGS=str(settings_file),
        JUPYTERHUB_DB_URL=f"sqlite:///{folder / 'jupyterhub.sqlite'}",
        JUPYTERHUB_TEST_AUTHENTICATOR="authentik_standin.AuthentikStandIn",
        PYTHONPATH=str(TEST_DIR),
        CONFIGPROXY_AUTH_TOKEN=PROXY_TOKEN,
        JPY_COOKIE_SECRET=os.urandom(32).hex(),
        JUPYTERHUB_CRYPT_KEY=os.urandom(32).hex(),
        OAUTH_CLIENT_SECRET="not-a-secret",
    )
    log_file = folder / "hub.log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE)],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stop() ends the hub and its services, nothing else
        )
    return process, RunningHub(url, log_file, settings_file, proxy, [])


def main() -> int:
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    # EOF on stdin: the caller closed it or is gone.
    threading.Thread(target=lambda: (sys.stdin.buffer.read(), done.set()), daemon=True).start()

    with tempfile.TemporaryDirectory(prefix="serve-hub-") as name:
        folder = Path(name)
        proxy = ProxyApiStub(free_port())
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        process = None
        try:
            process, hub = start_hub(folder, proxy)
            wait_until_healthy(process, hub)
            print(json.dumps({"url": hub.url, "pid": process.pid, "log": str(hub.log_file)}), flush=True)
            while not done.wait(0.5):
                if process.poll() is not None:
                    print(f"serve_hub: the hub exited with {process.returncode}:", hub.log(), file=sys.stderr)
                    return 1
            return 0
        except pytest.fail.Exception as failure:  # from render_settings or wait_until_healthy
            print(f"serve_hub: {failure.msg}", file=sys.stderr)
            return 1
        finally:
            if process is not None:
                stop(process)
            proxy.shutdown()
            proxy.server_close()


if __name__ == "__main__":
    sys.exit(main())
