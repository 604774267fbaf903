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
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from conftest import free_port, render_settings, write_unreachable_kubeconfig
from test_real_hub import ProxyApiStub, RunningHub, launch_hub, stop, wait_until_healthy

STACK = "prod"


def kubeconfig(folder: Path) -> Path:
    """As conftest.pytest_configure: KubeSpawner needs one, and nothing may reach a cluster.
    serve_hub_on_sim.py replaces this function with one that leads to the simulated cluster."""
    return write_unreachable_kubeconfig(folder / "kubeconfig")


def start_hub(folder: Path, proxy: ProxyApiStub) -> tuple[subprocess.Popen, RunningHub]:
    """The same hub as test_real_hub.hub, without debug logs (nothing here reads them)."""
    url = f"http://127.0.0.1:{free_port()}"
    settings = json.loads(render_settings(STACK))
    process, _, settings_file, log_file = launch_hub(
        folder, settings, url, proxy.server_port, kubeconfig=kubeconfig(folder)
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
