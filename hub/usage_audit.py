"""Audit lines: one JSON object per event (login, spawn-requested, refused, spawned, stopped), in the
hub's log after the prefix `audit: `, shaped by audit.schema.json beside this file. The cluster's log
shipper (the customer's, e.g. Filebeat or Fluent Bit to Elasticsearch) picks them out of the pod's
log by `"audit": "hub"`. Written by usage_hooks.py and the login hook in jupyterhub_config.py."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

log = logging.getLogger("jupyterhub.audit")
log.setLevel(logging.INFO)
if not log.handlers:  # its own handler: the line stays whole whatever the hub's log format
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("audit: %(message)s"))
    log.addHandler(handler)
    log.propagate = False


def audit(event: str, user: str, **fields: Any) -> dict[str, Any]:
    line = {
        "audit": "hub",
        "version": 1,
        "event": event,
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "user": user,
        **{key: value for key, value in fields.items() if value is not None},
    }
    log.info("%s", json.dumps(line, sort_keys=True))
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
