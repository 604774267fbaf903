"""The spawn page's knowledge of the cluster: free places per profile, refusal of a full one, the fair wait.

Figures come from the watch cache (capacity_cache.py) and the one rule (capacity_rules.py), so a page
view costs a few dict lookups, never an API call. The state the rule sees is the cluster's, plus what
the cluster does not show yet: pods not yet bound to a node and starts this hub has let through whose
pods it has not seen (reservations), and places offered to users waiting in line.

Free places are counted for the user who asks: a user with a home claim needs no claim from the
quota. The total ("3 of 6 free") is the same rule with every user's pod and claim taken away: the
planner's figure (`npm run capacity`) for a cluster like this one.

The cache starts on first use (the hub's event loop is not running while the config loads). When the
cluster cannot be read, nothing is refused: the figures are left off and starts go on as without them.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from capacity_cache import ClusterCache
from capacity_queue import FairQueue, Waiting
from capacity_rules import (
    CLAIMS,
    ClusterState,
    NodeState,
    PlaceRequest,
    affinity_matches,
    eligible_nodes,
    fit_count,
    free_on,
    free_places,
    parse_quantity,
    profile_request,
)
from profile_access import SpawnRefused

log = logging.getLogger("JupyterHub.capacity")

# A start let through holds its place until its pod shows or the start ends (failed before the pod
# was made); this long at most, should the hub not learn of either (KubeSpawner's start_timeout default).
RESERVATION_SECONDS = 600
FREES_SECONDS = 15  # when a place frees moves with the servers' activity: figured again this often
RETRY_SECONDS = 30  # after the cluster could not be read, how long until the cache is started again


@dataclass(frozen=True)
class ServerTimes:
    """What the culler's rules need of a running server (from the hub's own records)."""

    started: datetime | None
    last_activity: datetime | None
    profile: str | None


ServerLookup = Callable[[str, str], "ServerTimes | None"]


@dataclass(frozen=True)
class Reservation:
    """A place held for a start the hub let through, until the cluster shows its pod."""

    request: PlaceRequest
    until: float
    starting: Callable[[], bool] | None = None


def quota_free(quotas: Mapping[str, Mapping[str, Any]]) -> dict[str, float] | None:
    """hard - used per resource over the namespace's quotas (the smallest where several name one);
    requests.cpu and cpu are the same resource, limits.* are not what a start is refused for."""
    if not quotas:
        return None
    free: dict[str, float] = {}
    for quota in quotas.values():
        for key, hard in quota["hard"].items():
            if key.startswith("limits.") or key.startswith("count/"):
                continue
            resource = key.removeprefix("requests.")
            left = parse_quantity(hard) - parse_quantity(quota["used"].get(key, 0))
            free[resource] = min(free.get(resource, math.inf), left)
    return free


def resource_words(resource: str) -> str:
    if resource == "nvidia.com/gpu":
        return "GPUs"
    if resource.startswith("nvidia.com/mig-"):
        return f"MIG {resource.removeprefix('nvidia.com/mig-')} slices"
    return {"cpu": "CPU", "memory": "memory", CLAIMS: "home folders"}.get(resource, resource)


def aware(moment: datetime | None) -> datetime | None:
    """The hub's database keeps naive UTC datetimes."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class LiveCapacity:
    def __init__(
        self,
        settings: Mapping[str, Any],
        cache: ClusterCache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.profiles = {p["slug"]: p for p in settings["profiles"]}
        self.order = [p["slug"] for p in settings["profiles"]]
        self.culler = settings["culler"]
        options = settings["capacity"]
        self.queue_enabled = bool(options["queue"]["enabled"])
        self.refresh = options["refresh"]
        self.clock = clock
        self.queue = FairQueue(options["queue"]["offer_window"], clock)
        self.cache = cache or ClusterCache(settings["namespace"], on_change=self._changed)
        self.reservations: dict[str, Reservation] = {}  # by pod name
        self.on_offer: Callable[[Waiting], Any] = lambda waiting: None
        self._start_lock = asyncio.Lock()
        self._state: tuple[Any, ClusterState] | None = None
        self._tick_handle: asyncio.Task | None = None
        self._starting: asyncio.Task | None = None
        self._retry_at = 0.0
        self._cards: dict[tuple, dict[str, Any]] = {}
        self._owners: tuple[int, frozenset[str]] = (-1, frozenset())
        self._empty: tuple[int, ClusterState] | None = None

    def __deepcopy__(self, memo):  # one instance: traitlets deep-copies config values
        return self

    # --- the cache ---
    async def ready(self, timeout: float = 20) -> bool:
        """Whether the figures can be given: the cache has loaded (started here on first use)."""
        if self.cache.ready:
            return True
        try:
            async with self._start_lock:
                await self.cache.start(timeout)
            self._schedule_ticks()
            return True
        except Exception as error:
            log.warning("capacity: the cluster cannot be read (%s); the spawn page shows no figures", error)
            return False

    def loaded(self) -> bool:
        """Whether the figures can be given now; if not, the cache is started in the background
        (at most every RETRY_SECONDS), so a sync hook never waits for the cluster."""
        if self.cache.ready:
            return True
        starting = self._starting
        if (starting is None or starting.done()) and self.clock() >= self._retry_at:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return False
            self._retry_at = self.clock() + RETRY_SECONDS
            self._starting = loop.create_task(self.ready())
        return False

    def _changed(self) -> None:
        self._state = None
        try:
            asyncio.get_running_loop().call_soon(self.tick)
        except RuntimeError:
            pass

    def _schedule_ticks(self) -> None:
        async def every_few_seconds() -> None:
            while True:
                await asyncio.sleep(5)
                self.tick()

        if self._tick_handle is None:
            self._tick_handle = asyncio.get_running_loop().create_task(every_few_seconds())

    # --- the state the rule sees ---
    def _held(self) -> tuple[tuple[str, ...], list[PlaceRequest]]:
        """Places held but not in the cluster yet: starts whose pods have not shown, and offers."""
        now = self.clock()
        pods = self.cache.items("pods")
        for name, held in list(self.reservations.items()):
            if name in pods or now >= held.until or (held.starting is not None and not held.starting()):
                del self.reservations[name]
        offers = self.queue.offers()
        key = tuple(sorted(self.reservations)) + tuple(f"offer:{w.user}" for w in offers)
        held = [reservation.request for reservation in self.reservations.values()]
        held += [self.request(waiting.slug, new_claim=False) for waiting in offers]
        return key, held

    def _bound(self, with_users: bool) -> tuple[NodeState, ...]:
        """Schedulable nodes, in name order, with what the pods bound to them request (users' pods
        too, or only the platform's)."""
        pods = self.cache.items("pods").values()
        nodes = []
        for name, node in sorted(self.cache.items("nodes").items()):
            if not node["schedulable"]:
                continue
            requested: dict[str, float] = {}
            for pod in pods:
                if pod["node"] == name and (with_users or not pod["user"]):
                    add(requested, pod["requests"])
            allocatable = {r: parse_quantity(v) for r, v in node["allocatable"].items()}
            nodes.append(NodeState(name, node["labels"], allocatable, requested))
        return tuple(nodes)

    def state(self) -> ClusterState:
        """Nodes with what bound pods request, then pending pods and held places put where they fit."""
        held_key, held = self._held()
        key = (self.cache.version, held_key)
        if self._state and self._state[0] == key:
            return self._state[1]
        unbound = [
            PlaceRequest(pod["requests"], tuple(pod["affinity"]))
            for pod in self.cache.items("pods").values()
            if pod["node"] is None
        ]
        state = ClusterState(self._bound(with_users=True), quota_free(self.cache.items("quotas")))
        for request in unbound + held:
            state = place(state, request)
        for request in held:  # unbound pods are in the quota's use already; held places are not
            if state.quota_free is not None:
                state = replace(state, quota_free=subtract(state.quota_free, request.requests))
        self._state = (key, state)
        return state

    def empty_state(self) -> ClusterState:
        """The cluster without any user's pod or claim (and nothing held): what the planner counts from."""
        if self._empty and self._empty[0] == self.cache.version:
            return self._empty[1]
        quota = quota_free(self.cache.items("quotas"))
        if quota is not None:
            for pod in self.cache.items("pods").values():
                if pod["user"]:  # bound or not, the quota counts it
                    add(quota, pod["requests"])
            if CLAIMS in quota:
                quota[CLAIMS] += sum(1 for owner in self.cache.items("claims").values() if owner)
        empty = ClusterState(self._bound(with_users=False), quota)
        self._empty = (self.cache.version, empty)
        return empty

    def request(self, slug: str, new_claim: bool, gpus: int = 0) -> PlaceRequest:
        profile = self.profiles[slug]
        override = dict(profile["kubespawner_override"])
        if gpus and "custom_image" in profile:
            override.update(copy.deepcopy(profile["custom_image"]["gpu_overrides"][str(gpus)]))
        return profile_request(override, new_claim)

    def has_claim(self, user: str) -> bool:
        if self._owners[0] != self.cache.version:
            self._owners = (self.cache.version, frozenset(self.cache.items("claims").values()))
        return user in self._owners[1]

    # --- the queue ---
    def tick(self) -> None:
        """Drop offers not taken in time; offer freed places to the first in line."""
        if not self.queue_enabled or not self.cache.ready:
            return
        for waiting in self.queue.expire():
            log.info("capacity: %s did not start %s within the offer; the place goes on", waiting.user, waiting.slug)
        for slug in list(self.queue.lines):
            if slug not in self.profiles:
                continue
            places = free_places(self.state(), self.request(slug, new_claim=False)).places
            for waiting in self.queue.offer(slug, places):
                self._state = None
                log.info("capacity: a place of %s is offered to %s", slug, waiting.user)
                self.on_offer(waiting)

    def queueable(self, slug: str) -> bool:
        return self.queue_enabled and self.profiles[slug]["gpu"]["kind"] != "none"

    # --- what a user sees ---
    def card(self, slug: str, user: str, servers: ServerLookup, admin: bool = False) -> dict[str, Any]:
        """One card's figures for `user`: the same for every user alike (claim or not) until the
        cluster or the held places change, so a class loading the page costs one computation per
        card; only the line is the user's own. Admins also see who is in line."""
        new_claim = not self.has_claim(user)
        self.state()  # prunes held places and sets the key the figures are kept under
        key = (self._state[0] if self._state else None, slug, new_claim, int(self.clock() // FREES_SECONDS))
        figures = self._cards.get(key)
        if figures is None:
            if len(self._cards) > 256:
                self._cards.clear()
            figures = self._cards[key] = self._figures(slug, new_claim, servers)
        entry = self.queue.entry(user)
        mine = entry is not None and entry.slug == slug
        line = self.queue.waiting(slug)
        queue: dict[str, Any] = {
            "open": self.queueable(slug),
            "waiting": len(line),
            "position": self.queue.position(user) if mine else None,
            "offer_until": iso(entry.offer_until) if mine and entry and entry.offer_until else None,
        }
        if admin:
            queue["users"] = [w.user + (" (offered)" if w.offer_until else "") for w in line]
        return {**figures, "queue": queue}

    def _figures(self, slug: str, new_claim: bool, servers: ServerLookup) -> dict[str, Any]:
        request = self.request(slug, new_claim=new_claim)
        now = free_places(self.state(), request)
        total = free_places(self.empty_state(), replace(request, new_claim=True))
        figures: dict[str, Any] = {
            "slug": slug,
            "free": now.places,
            "total": total.places,
            "full": now.places < 1,
            "limit": now.limit,
            "why_full": self.why_full(slug, request, now.limit) if now.places < 1 else None,
        }
        if now.places < 1:
            figures.update(self.frees(request, servers))
        return figures

    def why_full(self, slug: str, request: PlaceRequest, limit: str) -> str:
        if limit == "no node":
            return "no node can hold it"
        if limit.startswith("quota: "):
            return f"the namespace quota's {resource_words(limit.removeprefix('quota: '))} are used up"
        nodes = eligible_nodes(self.state(), request)
        offered = sum(node.allocatable.get(limit, 0) for node in nodes)
        in_use = sum(node.requested.get(limit, 0) for node in nodes)
        if limit.startswith("nvidia.com/"):
            return f"all {fmt(offered)} {resource_words(limit)} are in use"
        return f"not enough free {resource_words(limit)} on the nodes it runs on ({fmt(in_use)} of {fmt(offered)} taken)"

    def frees(self, request: PlaceRequest, servers: ServerLookup) -> dict[str, str | None]:
        """When a place frees at the latest (maximum runtime) and at the earliest if a server stays
        idle, by the cullers' rules, over the running servers whose end would make a place."""
        state = self.state()
        nodes = {node.name: node for node in state.nodes}
        at_latest: list[datetime] = []
        if_idle: list[datetime] = []
        for pod in self.cache.items("pods").values():
            node = nodes.get(pod["node"] or "")
            if not pod["user"] or node is None or not self._would_free(state, node, pod["requests"], request):
                continue
            times = servers(pod["user"], pod["server"])
            if times is None:
                continue
            latest, idle = self.deadlines(times)
            if latest:
                at_latest.append(latest)
            if idle:
                if_idle.append(idle)
        latest = min(at_latest, default=None)
        idle = min(if_idle, default=None)
        return {
            "frees_by": iso_time(latest),
            "frees_if_idle": iso_time(idle) if idle and (latest is None or idle < latest) else None,
        }

    def _would_free(self, state: ClusterState, node: NodeState, pod: Mapping[str, float], request: PlaceRequest) -> bool:
        if not affinity_matches(request.affinity, node.labels):
            return False
        free = free_on(node)
        add(free, pod)
        if fit_count(free, request.requests)[0] < 1:
            return False
        if state.quota_free is None:
            return True
        quota = dict(state.quota_free)
        add(quota, pod)
        wanted = {r: a for r, a in request.requests.items() if r in quota}
        return not wanted or fit_count(quota, wanted)[0] >= 1

    def deadlines(self, times: ServerTimes) -> tuple[datetime | None, datetime | None]:
        """(stopped by a maximum runtime at the latest, stopped as idle at the earliest) for one server."""
        profile = self.profiles.get(times.profile or "", {})
        culler_on = self.culler["enabled"]
        max_runtime = profile.get("max_runtime") or (self.culler["max_age"] if culler_on else 0)
        idle_timeout = profile.get("idle_timeout") or (self.culler["timeout"] if culler_on else 0)
        started, active = aware(times.started), aware(times.last_activity) or aware(times.started)
        now = datetime.fromtimestamp(self.clock(), timezone.utc)
        latest = max(now, started + timedelta(seconds=max_runtime)) if started and max_runtime else None
        idle = max(now, active + timedelta(seconds=idle_timeout)) if active and idle_timeout else None
        return latest, idle

    # --- the start ---
    def check(
        self,
        user: str,
        options: Mapping[str, Any],
        pod_name: str,
        allowed: list[str],
        servers: ServerLookup,
        starting: Callable[[], bool] | None = None,
    ) -> None:
        """Refuse a start of a full profile at once, naming what is free instead; else hold its place
        until its pod shows. A user holding an offer from the line takes it. `options` are the checked
        user_options (profile_access.check_spawn_request): the profile, and the GPUs of a custom image;
        `starting` tells whether the start is still going (the spawner's pending state)."""
        self.tick()
        slug = options["profile"]
        gpus = int(options.get("gpus") or 0) if "custom_image" in self.profiles[slug] else 0
        request = self.request(slug, new_claim=not self.has_claim(user), gpus=gpus)
        if self.queue.take(user, slug):
            self.reservations[pod_name] = Reservation(request, self.clock() + RESERVATION_SECONDS, starting)
            self._state = None
            return
        places = free_places(self.state(), request)
        if places.places >= 1:
            self.reservations[pod_name] = Reservation(request, self.clock() + RESERVATION_SECONDS, starting)
            self._state = None
            return
        raise SpawnRefused(409, self.refusal(slug, request, places.limit, user, allowed, servers))

    def refusal(self, slug: str, request: PlaceRequest, limit: str, user: str, allowed: list[str], servers: ServerLookup) -> str:
        name = self.profiles[slug]["display_name"]
        parts = [f"{name} is full: {self.why_full(slug, request, limit)}."]
        waiting = len(self.queue.waiting(slug))
        entry = self.queue.entry(user)
        in_line = entry is not None and entry.slug == slug
        if in_line:
            parts.append(f"You are number {self.queue.position(user)} in line; the page tells you when a place is yours.")
        elif waiting:
            parts.append(f"{waiting} {'user is' if waiting == 1 else 'users are'} waiting for a place.")
        alternatives = []
        for other in allowed:
            if other == slug or other not in self.profiles:
                continue
            free = free_places(self.state(), self.request(other, new_claim=not self.has_claim(user))).places
            if free >= 1:
                alternatives.append(f"{self.profiles[other]['display_name']} has {free} free {'place' if free == 1 else 'places'}")
        parts.append(f"Free now: {'; '.join(alternatives)}." if alternatives else "Nothing else you may use is free now.")
        frees = self.frees(request, servers)
        if frees["frees_by"]:
            parts.append(f"A place frees by {clock_time(frees['frees_by'])} at the latest.")
        if self.queueable(slug) and not in_line:
            parts.append("You can join the line for it on the spawn page.")
        return " ".join(parts)


def add(target: dict[str, float], amounts: Mapping[str, float]) -> None:
    for resource, amount in amounts.items():
        target[resource] = target.get(resource, 0) + amount


def subtract(source: Mapping[str, float], amounts: Mapping[str, float]) -> dict[str, float]:
    result = dict(source)
    for resource, amount in amounts.items():
        if resource in result:
            result[resource] -= amount
    return result


def place(state: ClusterState, request: PlaceRequest) -> ClusterState:
    """The state with `request` taken from the first node (in name order) it fits on, as if bound there."""
    for node in eligible_nodes(state, request):
        if fit_count(free_on(node), request.requests)[0] >= 1:
            requested = dict(node.requested)
            add(requested, request.requests)
            nodes = tuple(replace(n, requested=requested) if n.name == node.name else n for n in state.nodes)
            return replace(state, nodes=nodes)
    return state


def fmt(amount: float) -> str:
    return str(int(amount)) if float(amount).is_integer() else f"{amount:g}"


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def iso_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def clock_time(text: str) -> str:
    """'2026-11-30T14:32:00Z' as '14:32 UTC' (the page shows the user's own time)."""
    return f"{text[11:16]} UTC"
