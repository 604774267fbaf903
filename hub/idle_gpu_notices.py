"""The idle-GPU notice on a user's hub pages: what the idle-GPU notifier (idle_gpu_notifier.py) told
the user by email, shown in the hub too, in JupyterHub's announcement slot (hub_notices.py, beside
the budget notices).

The notifier, a hub service, reports through the hub's API (scope custom:idle-gpu-notices:write,
which only its role holds):

PUT    /hub/api/idle-gpu-notices/USER[/SERVER]   {"kind": "idle" | "stopped", "gpu": "...", "stop_at": epoch | null}
DELETE /hub/api/idle-gpu-notices/USER[/SERVER]   the idle period is over

An "idle" notice is shown while its server runs; a "stopped" one while it does not, and goes when
the server starts again. The notices live in the hub's memory: a restart of the hub forgets them, and
the notifier puts a still-idle server's notice up again (docs/operations.md, "The idle-GPU notifier").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from html import escape
from typing import Any

from hub_notices import NoticeBoard, server_phrase

SCOPE = "custom:idle-gpu-notices:write"
DESCRIPTION = "Put up and take down the idle-GPU notices on users' hub pages."
CUSTOM_SCOPES = {SCOPE: {"description": DESCRIPTION}}


@dataclass(frozen=True)
class Notice:
    kind: str  # idle: the GPU is idle and the server runs; stopped: the notifier stopped it for that
    gpu: str
    stop_at: float | None = None  # idle: when the notifier will stop the server, if it will


def when(epoch: float) -> str:
    return time.strftime("%H:%M UTC", time.gmtime(epoch))


class IdleGpuNotices(NoticeBoard):
    topic, scope, description = "idle-gpu", SCOPE, DESCRIPTION
    while_running = frozenset({"idle"})

    def parse(self, body: dict[str, Any]) -> Notice:
        kind, stop_at = body.get("kind"), body.get("stop_at")
        if kind not in ("idle", "stopped") or not isinstance(body.get("gpu"), str):
            raise ValueError('Expected {"kind": "idle" | "stopped", "gpu": "...", "stop_at": epoch | null}.')
        return Notice(kind, body["gpu"], float(stop_at) if stop_at else None)

    def text(self, server: str, notice: Notice) -> str:
        which, gpu = server_phrase(server), escape(notice.gpu)
        if notice.kind == "stopped":
            return (
                f"{which} was stopped because its GPU ({gpu}) stayed idle. "
                "Your files are kept; start it again when you need the GPU."
            )
        stop = f" If it stays idle, it will be stopped at {when(notice.stop_at)}." if notice.stop_at else ""
        return (
            f"{which} has a GPU ({gpu}) that has been almost unused for a while. GPUs are scarce: "
            f"please stop the server if you do not need it.{stop}"
        )
