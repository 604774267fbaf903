"""The cluster as the hub's capacity figures need it, kept current by watches (never a list per page view).

Four watches, each a list then a watch from its resourceVersion, relisted after an error or a 410:
nodes (cluster-wide: labels, allocatable, schedulable), and in the hub's namespace the pods (their
node and requests), the ResourceQuotas (hard and used) and the claims (names: who has a home claim).
Pods of other namespaces are not watched: the hub may not read them (their specs can hold secrets);
nodes' allocatable should keep the system's share out (k3s --system-reserved/--kube-reserved).
Only the fields the rule needs are kept, so 150 users' pods cost a few kilobytes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from capacity_rules import pod_requests

log = logging.getLogger("JupyterHub.capacity")

DONE_PHASES = ("Succeeded", "Failed")
USERNAME_ANNOTATION = "hub.jupyter.org/username"
SERVERNAME_ANNOTATION = "hub.jupyter.org/servername"


def node_entry(node: dict[str, Any]) -> dict[str, Any]:
    spec, status = node.get("spec") or {}, node.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    return {
        "labels": node["metadata"].get("labels") or {},
        "allocatable": status.get("allocatable") or {},
        # A cordoned or NotReady node takes no new pods (the scheduler filters it out).
        "schedulable": ready and not spec.get("unschedulable"),
    }


def pod_entry(pod: dict[str, Any]) -> dict[str, Any] | None:
    if (pod.get("status") or {}).get("phase") in DONE_PHASES or pod["metadata"].get("deletionTimestamp"):
        return None  # finished or leaving: the scheduler no longer counts it
    spec = pod.get("spec") or {}
    annotations = pod["metadata"].get("annotations") or {}
    return {
        "node": spec.get("nodeName"),
        "requests": pod_requests(spec),
        "affinity": (((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms") or [],
        "user": annotations.get(USERNAME_ANNOTATION),
        "server": annotations.get(SERVERNAME_ANNOTATION, ""),
    }  # fmt: skip


def quota_entry(quota: dict[str, Any]) -> dict[str, Any]:
    status = quota.get("status") or {}
    return {"hard": status.get("hard") or {}, "used": status.get("used") or {}}


def claim_owner(claim: dict[str, Any]) -> str:
    """The user whose home claim it is (KubeSpawner's annotation), "" for the platform's own claims."""
    return (claim["metadata"].get("annotations") or {}).get(USERNAME_ANNOTATION) or ""


class Watched:
    """One kind's objects by name, reduced by `reduce` (None drops the object)."""

    def __init__(
        self,
        kind: str,
        list_method: Callable[..., Any],
        reduce: Callable[[dict[str, Any]], Any],
        on_change: Callable[[], None],
    ) -> None:
        self.kind, self.list_method, self.reduce, self.on_change = kind, list_method, reduce, on_change
        self.items: dict[str, Any] = {}
        self.loaded = asyncio.Event()
        self.task: asyncio.Task | None = None

    def _store(self, obj: dict[str, Any]) -> None:
        entry = self.reduce(obj)
        if entry is None:
            self.items.pop(obj["metadata"]["name"], None)
        else:
            self.items[obj["metadata"]["name"]] = entry

    async def _list(self) -> str:
        response = await self.list_method(_preload_content=False, _request_timeout=30)
        body = json.loads(await response.read())
        if "items" not in body:
            raise RuntimeError(f"listing {self.kind} failed: {body.get('message', body)}")
        self.items = {}
        for obj in body["items"]:
            self._store(obj)
        self.loaded.set()
        self.on_change()
        return body["metadata"]["resourceVersion"]

    async def run(self) -> None:
        from kubernetes_asyncio import watch

        delay = 0.5
        while True:
            stream_watch = watch.Watch()
            try:
                version = await self._list()
                method = partial(self.list_method, _preload_content=False)
                async with stream_watch.stream(method, resource_version=version, timeout_seconds=300) as stream:
                    async for event in stream:
                        delay = 0.5
                        obj = event["raw_object"]
                        if event["type"] == "ERROR":  # 410 Gone and the like: list again
                            raise RuntimeError(f"watch of {self.kind}: {obj.get('message', obj)}")
                        if event["type"] == "DELETED":
                            self.items.pop(obj["metadata"]["name"], None)
                        else:
                            self._store(obj)
                        self.on_change()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the API server restarted, a network blip, a 410: list again
                log.warning("capacity: watching %s failed (%s); listing again in %.1fs", self.kind, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
            finally:
                stream_watch.stop()
                await stream_watch.close()


class ClusterCache:
    """Nodes, the namespace's pods, quotas and claims; `version` counts changes."""

    def __init__(self, namespace: str, on_change: Callable[[], None] = lambda: None) -> None:
        self.namespace = namespace
        self.version = 0
        self.changed_at = time.time()
        self._on_change = on_change
        self.watches: dict[str, Watched] = {}

    def _changed(self) -> None:
        self.version += 1
        self.changed_at = time.time()
        self._on_change()

    async def start(self, timeout: float = 30) -> None:
        """Start the watches and wait for their first lists (TimeoutError when the API does not answer)."""
        from kubespawner.clients import load_config, shared_client

        if self.watches:
            await self.wait_loaded(timeout)
            return
        load_config()
        core = shared_client("CoreV1Api")
        ns = self.namespace
        self.watches = {
            "nodes": Watched("nodes", core.list_node, node_entry, self._changed),
            "pods": Watched("pods", partial(core.list_namespaced_pod, ns), pod_entry, self._changed),
            "quotas": Watched(
                "resourcequotas", partial(core.list_namespaced_resource_quota, ns), quota_entry, self._changed
            ),
            "claims": Watched(
                "persistentvolumeclaims",
                partial(core.list_namespaced_persistent_volume_claim, ns),
                claim_owner,
                self._changed,
            ),
        }
        for watched in self.watches.values():
            watched.task = asyncio.create_task(watched.run(), name=f"capacity-watch-{watched.kind}")
        await self.wait_loaded(timeout)

    async def wait_loaded(self, timeout: float) -> None:
        waits = [asyncio.ensure_future(w.loaded.wait()) for w in self.watches.values()]
        try:
            await asyncio.wait(waits, timeout=timeout)
        finally:
            for wait in waits:
                wait.cancel()
        if not self.ready:
            missing = ", ".join(w.kind for w in self.watches.values() if not w.loaded.is_set())
            raise TimeoutError(f"no list of {missing} within {timeout:g}s")

    @property
    def ready(self) -> bool:
        return bool(self.watches) and all(w.loaded.is_set() for w in self.watches.values())

    def items(self, kind: str) -> dict[str, Any]:
        return self.watches[kind].items if kind in self.watches else {}

    async def stop(self) -> None:
        for watched in self.watches.values():
            if watched.task:
                watched.task.cancel()
