"""Free places: how many more users of one kind fit into a cluster state, and what stops the next.

The same rule as the capacity planner's (capacity/places.ts), written again in Python because the
hub applies it to the live cluster on every spawn page; both pass the shared corpus
test/fixtures/places-corpus.json. Pure functions over plain dicts: cpu in cores, memory in bytes,
devices as counts. The rule:

- a node counts when the pod's required node affinity matches its labels and it could hold one such
  pod when empty (every requested resource <= its allocatable);
- on such a node, places = how many more requests fit into allocatable - requested;
- the namespace quota allows as many as fit into its free amounts, counting only the resources it
  names, plus one claim for a user who has no home claim yet;
- places = min(sum over nodes, quota); the limit is the quota's resource when the quota is the
  smaller, else the resource most eligible nodes run out of first (ties in name order).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

CLAIMS = "persistentvolumeclaims"
Resources = dict[str, float]

_SUFFIXES = {
    "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
}  # fmt: skip
_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")


def parse_quantity(text: Any) -> float:
    """A Kubernetes quantity ("500m", "32Gi", "2", 4) as a number of its base unit."""
    if isinstance(text, (int, float)):
        return float(text)
    match = _QUANTITY.match(str(text).strip())
    if not match or match.group(2) not in _SUFFIXES:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    return float(match.group(1)) * _SUFFIXES[match.group(2)]


@dataclass(frozen=True)
class NodeState:
    name: str
    labels: Mapping[str, str]
    allocatable: Mapping[str, float]
    requested: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ClusterState:
    nodes: tuple[NodeState, ...]
    quota_free: Mapping[str, float] | None = None  # hard - used, "requests.cpu" as "cpu"; None: no quota


@dataclass(frozen=True)
class PlaceRequest:
    requests: Mapping[str, float]
    affinity: tuple[Mapping[str, Any], ...] = ()
    new_claim: bool = False


@dataclass(frozen=True)
class Places:
    places: int
    limit: str
    per_node: dict[str, int]
    by_nodes: int
    by_quota: float  # math.inf without a quota


def fit_count(free: Mapping[str, float], requests: Mapping[str, float]) -> tuple[int, str]:
    """How many more `requests` fit into `free`, and the resource that runs out first (the first one
    named on a tie). A tiny epsilon keeps 0.1 + 0.2 style float noise from losing a whole user."""
    count, limit = math.inf, ""
    for resource, amount in requests.items():
        if amount <= 0:
            continue
        fits = math.floor(free.get(resource, 0) / amount + 1e-9)
        if fits < count:
            count, limit = fits, resource
    return (int(count) if math.isfinite(count) else 0), limit


def affinity_matches(terms: Iterable[Mapping[str, Any]], labels: Mapping[str, str]) -> bool:
    """Required node affinity as kube-scheduler decides: terms ORed, expressions ANDed, [] any node."""
    terms = list(terms)
    if not terms:
        return True

    def holds(expression: Mapping[str, Any]) -> bool:
        value = labels.get(expression["key"])
        values = expression.get("values") or []
        operator = expression["operator"]
        if operator == "In":
            return value is not None and value in values
        if operator == "NotIn":
            return value is None or value not in values
        if operator == "Exists":
            return value is not None
        return value is None  # DoesNotExist

    return any(all(holds(expression) for expression in term.get("matchExpressions", [])) for term in terms)


def eligible_nodes(state: ClusterState, request: PlaceRequest) -> list[NodeState]:
    return [
        node
        for node in state.nodes
        if affinity_matches(request.affinity, node.labels)
        and all(node.allocatable.get(resource, 0) >= amount for resource, amount in request.requests.items())
    ]


def free_on(node: NodeState) -> Resources:
    free = dict(node.allocatable)
    for resource, amount in node.requested.items():
        free[resource] = free.get(resource, 0) - amount
    return free


def free_places(state: ClusterState, request: PlaceRequest) -> Places:
    per_node: dict[str, int] = {}
    limits: dict[str, int] = {}
    for node in eligible_nodes(state, request):
        count, limit = fit_count(free_on(node), request.requests)
        per_node[node.name] = max(0, count)
        limits[limit] = limits.get(limit, 0) + 1
    by_nodes = sum(per_node.values())
    by_quota: float = math.inf
    quota_limit = ""
    if state.quota_free is not None:
        wanted = {**request.requests, **({CLAIMS: 1} if request.new_claim else {})}
        counted = {resource: amount for resource, amount in wanted.items() if resource in state.quota_free}
        if counted:
            count, quota_limit = fit_count(state.quota_free, counted)
            by_quota = max(0, count)
    node_limit = min(limits.items(), key=lambda item: (-item[1], item[0]))[0] if limits else "no node"
    return Places(
        places=int(min(by_nodes, by_quota)),
        limit=f"quota: {quota_limit}" if by_quota < by_nodes else node_limit,
        per_node=per_node,
        by_nodes=by_nodes,
        by_quota=by_quota,
    )


def pod_requests(spec: Mapping[str, Any]) -> Resources:
    """What a pod requests, as the scheduler counts it: the sum over its containers, or the largest
    init container's request when that is larger, plus the pod overhead."""
    total: Resources = {}
    for container in spec.get("containers") or []:
        for resource, value in ((container.get("resources") or {}).get("requests") or {}).items():
            total[resource] = total.get(resource, 0) + parse_quantity(value)
    for container in spec.get("initContainers") or []:
        for resource, value in ((container.get("resources") or {}).get("requests") or {}).items():
            total[resource] = max(total.get(resource, 0), parse_quantity(value))
    for resource, value in (spec.get("overhead") or {}).items():
        total[resource] = total.get(resource, 0) + parse_quantity(value)
    return total


def profile_request(override: Mapping[str, Any], new_claim: bool) -> PlaceRequest:
    """One user of a profile, from its `kubespawner_override` (the settings document's units: cores
    and bytes, device counts as strings)."""
    requests: Resources = {"cpu": float(override["cpu_guarantee"]), "memory": float(override["mem_guarantee"])}
    for resource, amount in (override.get("extra_resource_guarantees") or {}).items():
        requests[resource] = parse_quantity(amount)
    return PlaceRequest(
        requests=requests, affinity=tuple(override.get("node_affinity_required") or ()), new_claim=new_claim
    )
