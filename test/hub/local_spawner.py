"""The tests' stand-in for Kubernetes in a real hub (JUPYTERHUB_TEST_SPAWNER=local_spawner.LocalSpawner):
the platform's spawner class with every hook and setting of jupyterhub_config.py (profile check,
post_stop_hook, options), whose server is a real local process, `python -m http.server` on a free
port, instead of a pod. The hub waits for it to answer, polls it and stops it as it would a pod, so
JupyterHub's own start, stop and died paths run; a test ends the process to play a server that died.
LOCAL_SPAWNER_SLOW_STOP (user names, comma-separated): their stops take 12 s, so the stop API answers 202.

KubeSpawner's own start, poll and stop are what is replaced; nothing here reaches a cluster.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys

from platform_spawner import PlatformSpawner
from traitlets import default


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalSpawner(PlatformSpawner):
    process: subprocess.Popen | None = None

    @default("poll_interval")
    def _poll_interval(self) -> int:
        return 1  # a dead server is noticed within a second or two

    async def start(self):
        port = free_port()
        command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return f"http://127.0.0.1:{port}"

    async def poll(self):
        if self.process is None:
            return 0
        return self.process.poll()

    async def stop(self, now: bool = False):
        if self.user.name in os.environ.get("LOCAL_SPAWNER_SLOW_STOP", "").split(","):
            await asyncio.sleep(12)  # longer than the hub's slow_stop_timeout (10 s): the stop API answers 202
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            while self.process.poll() is None:  # exits at once on SIGTERM
                await asyncio.sleep(0.05)
        self.process = None

    def get_state(self):
        """The process id, for a test that ends it (admins read it in GET /hub/api/users/NAME: servers, state)."""
        return {**super().get_state(), "local_pid": self.process.pid if self.process else None}
