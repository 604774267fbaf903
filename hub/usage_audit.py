"""Audit lines: one JSON object per event (login, spawn-requested, refused, spawned, stopped), in the
hub's log after the prefix `audit: `, shaped by audit.schema.json beside this file. The cluster's log
shipper (the customer's, e.g. Filebeat or Fluent Bit to Elasticsearch) picks them out of the pod's
log by `"audit": "hub"`. Written by usage_hooks.py and the login hook in jupyterhub_config.py.

With JUPYTERHUB_AUDIT_DIR set (the stack's audit.shipping), each process also appends the bare JSON
lines to a file of its own there, `<service>.jsonl` (`hub.jsonl` for the hub itself), which the
Filebeat sidecar ships: one file per process, since two processes rotating one file would lose
lines. A file is renamed to `.jsonl.1` at JUPYTERHUB_AUDIT_MAX_BYTES and the older copy dropped, so
the folder (an emptyDir with a size limit) cannot fill; Filebeat follows the rename."""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
from datetime import datetime, timezone
from typing import Any

log = logging.getLogger("jupyterhub.audit")
log.setLevel(logging.INFO)
if not log.handlers:  # its own handler: the line stays whole whatever the hub's log format
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("audit: %(message)s"))
    log.addHandler(handler)
    log.propagate = False

MAX_BYTES = 4 * 1024 * 1024  # components/jupyterhub/audit-shipper-spec.ts: AUDIT_FILE_MAX_BYTES


def file_handler(environ=os.environ) -> logging.Handler | None:
    """The handler writing this process's audit file, or None without JUPYTERHUB_AUDIT_DIR."""
    folder = environ.get("JUPYTERHUB_AUDIT_DIR")
    if not folder:
        return None
    # A hub service is told its name (JupyterHub sets JUPYTERHUB_SERVICE_NAME); the hub is not.
    path = os.path.join(folder, f"{environ.get('JUPYTERHUB_SERVICE_NAME') or 'hub'}.jsonl")
    max_bytes = int(environ.get("JUPYTERHUB_AUDIT_MAX_BYTES") or MAX_BYTES)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=1, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler


file_log = logging.getLogger("jupyterhub.audit.file")
file_log.setLevel(logging.INFO)
file_log.propagate = False
if not file_log.handlers and (handler := file_handler()):
    file_log.addHandler(handler)


def audit(event: str, user: str, **fields: Any) -> dict[str, Any]:
    line = {
        "audit": "hub",
        "version": 1,
        "event": event,
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "user": user,
        **{key: value for key, value in fields.items() if value is not None},
    }
    text = json.dumps(line, sort_keys=True)
    log.info("%s", text)
    file_log.info("%s", text)
    return line


def audited_login(hook):
    """Wrap an Authenticator.post_auth_hook: a login line for each sign-in it lets through."""

    async def post_auth_hook(authenticator, handler, authentication):
        result = hook(authenticator, handler, authentication)
        if hasattr(result, "__await__"):
            result = await result
        if result:
            audit("login", result.get("name", ""), groups=sorted(result.get("groups") or []) or None)
        return result

    return post_auth_hook
