"""hub/live_capacity.py on cluster states the tests build: free places per card, a full profile refused
at once with what is free instead, places held for starts in flight, when a place frees by the cullers'
rules, and the fair line. The profiles are the tests' own (not prod's): a full GPU, a MIG slice, a CPU one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from live_capacity import LiveCapacity, ServerTimes, quota_free
from profile_access import SpawnRefused

GIB = 2**30
GPU_TERMS = [{"matchExpressions": [{"key": "nvidia.com/gpu.present", "operator": "In", "values": ["true"]},
                                   {"key": "nvidia.com/mig.config", "operator": "DoesNotExist"}]}]  # fmt: skip
MIG_TERMS = [{"matchExpressions": [{"key": "nvidia.com/mig.config", "operator": "Exists"}]}]


def profile(slug: str, kind: str, cpu: float, memory: int, device: dict[str, str] | None = None, **extra: Any):
    override: dict[str, Any] = {"cpu_guarantee": cpu, "mem_guarantee": memory, "cpu_limit": cpu, "mem_limit": memory}
    if device:
        override |= {"extra_resource_guarantees": device, "node_affinity_required": GPU_TERMS if kind == "full" else MIG_TERMS}
    return {"slug": slug, "display_name": slug.upper(), "gpu": {"kind": kind}, "kubespawner_override": override, **extra}


PROFILES = [
    profile("cpu", "none", 0.5, 1 * GIB),
    profile("gpu", "full", 8, 32 * GIB, {"nvidia.com/gpu": "1"}, max_runtime=7200, idle_timeout=1800),
    profile("mig", "mig", 4, 16 * GIB, {"nvidia.com/mig-1g.5gb": "1"}),
]
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = NOW.timestamp()

    def __call__(self) -> float:
        return self.now


class FakeCache:
    """The watch cache's shape: what capacity_cache.py keeps of each object."""

    def __init__(self) -> None:
        self.ready = True
        self.version = 0
        self.data: dict[str, dict[str, Any]] = {"nodes": {}, "pods": {}, "quotas": {}, "claims": {}}

    def items(self, kind: str) -> dict[str, Any]:
        return self.data[kind]

    def changed(self) -> None:
        self.version += 1

    def node(self, name: str, labels: dict[str, str], **allocatable: Any) -> None:
        self.data["nodes"][name] = {"labels": labels, "allocatable": allocatable, "schedulable": True}
        self.changed()

    def pod(self, name: str, node: str | None, requests: dict[str, float], user: str | None = None) -> None:
        self.data["pods"][name] = {"node": node, "requests": requests, "affinity": [], "user": user, "server": ""}
        self.changed()

    def remove_pod(self, name: str) -> None:
        del self.data["pods"][name]
        self.changed()


def gpu_pod_requests() -> dict[str, float]:
    return {"cpu": 8, "memory": 32 * GIB, "nvidia.com/gpu": 1}


@pytest.fixture
def cluster() -> FakeCache:
    cache = FakeCache()
    gpu_node = {"nvidia.com/gpu.present": "true"}
    cache.node("gpu-a", gpu_node, cpu="64", memory="256Gi", **{"nvidia.com/gpu": "2"})
    cache.node("gpu-b", gpu_node, cpu="64", memory="256Gi", **{"nvidia.com/gpu": "2"})
    mig_node = {"nvidia.com/gpu.present": "true", "nvidia.com/mig.config": "all-1g.5gb"}
    cache.node("mig-a", mig_node, cpu="64", memory="256Gi", **{"nvidia.com/mig-1g.5gb": "7"})
    return cache


def capacity_for(cache: FakeCache, clock: Clock, queue: bool = False) -> LiveCapacity:
    settings = {
        "namespace": "jupyterhub",
        "profiles": PROFILES,
        "culler": {"enabled": True, "timeout": 3600, "max_age": 28800},
        "capacity": {"enabled": True, "refresh": 10, "queue": {"enabled": queue, "offer_window": 300}},
    }
    return LiveCapacity(settings, cache=cache, clock=clock)  # type: ignore[arg-type]


def no_servers(user: str, server: str) -> ServerTimes | None:
    return None


ALL = ["cpu", "gpu", "mig"]


def fill_gpus(cache: FakeCache, count: int) -> None:
    for index in range(count):
        cache.pod(f"jupyter-u{index}", "gpu-a" if index < 2 else "gpu-b", gpu_pod_requests(), user=f"u{index}")


def test_a_card_shows_free_places_of_the_total(cluster: FakeCache) -> None:
    capacity = capacity_for(cluster, Clock())
    fill_gpus(cluster, 3)
    card = capacity.card("gpu", "student", no_servers)
    assert (card["free"], card["total"], card["full"]) == (1, 4, False)
    assert capacity.card("mig", "student", no_servers)["free"] == 7


def test_a_full_profile_says_what_limits_it(cluster: FakeCache) -> None:
    capacity = capacity_for(cluster, Clock())
    fill_gpus(cluster, 4)
    card = capacity.card("gpu", "student", no_servers)
    assert card["full"] and card["free"] == 0 and card["total"] == 4
    assert card["why_full"] == "all 4 GPUs are in use"


def test_a_start_of_a_full_profile_is_refused_naming_what_is_free(cluster: FakeCache) -> None:
    capacity = capacity_for(cluster, Clock())
    fill_gpus(cluster, 4)
    with pytest.raises(SpawnRefused) as refused:
        capacity.check("student", {"profile": "gpu"}, "jupyter-student", ALL, no_servers)
    assert refused.value.status_code == 409
    message = refused.value.message
    assert message.startswith("GPU is full: all 4 GPUs are in use.")
    assert "MIG has 7 free places" in message and "CPU has" in message


def test_a_start_let_through_holds_its_place_until_its_pod_shows(cluster: FakeCache) -> None:
    capacity = capacity_for(cluster, Clock())
    fill_gpus(cluster, 3)
    capacity.check("first", {"profile": "gpu"}, "jupyter-first", ALL, no_servers)  # the last place
    with pytest.raises(SpawnRefused):
        capacity.check("second", {"profile": "gpu"}, "jupyter-second", ALL, no_servers)
    cluster.pod("jupyter-first", None, gpu_pod_requests(), user="first")  # created, not yet bound
    assert capacity.card("gpu", "second", no_servers)["full"]
    cluster.remove_pod("jupyter-u0")  # someone stopped
    capacity.check("second", {"profile": "gpu"}, "jupyter-second", ALL, no_servers)


def test_a_start_that_ends_without_a_pod_gives_its_place_back(cluster: FakeCache) -> None:
    capacity = capacity_for(cluster, Clock())
    fill_gpus(cluster, 3)
    starting = True
    capacity.check("first", {"profile": "gpu"}, "jupyter-first", ALL, no_servers, lambda: starting)
    assert capacity.card("gpu", "other", no_servers)["full"]
    starting = False  # e.g. the claim could not be made
    assert capacity.card("gpu", "other", no_servers)["free"] == 1


def test_a_reservation_whose_pod_never_shows_expires(cluster: FakeCache) -> None:
    clock = Clock()
    capacity = capacity_for(cluster, clock)
    fill_gpus(cluster, 3)
    capacity.check("first", {"profile": "gpu"}, "jupyter-first", ALL, no_servers)
    assert capacity.card("gpu", "other", no_servers)["full"]
    clock.now += 601
    assert capacity.card("gpu", "other", no_servers)["free"] == 1


def test_the_claim_quota_stops_new_users_only(cluster: FakeCache) -> None:
    capacity = capacity_for(cluster, Clock())
    cluster.data["quotas"]["users"] = {
        "hard": {"persistentvolumeclaims": "2", "requests.cpu": "100", "limits.cpu": "1"},
        "used": {"persistentvolumeclaims": "2", "requests.cpu": "0", "limits.cpu": "5"},
    }
    cluster.data["claims"] = {"claim-old": "old", "claim-other": "other"}
    cluster.changed()
    assert capacity.card("cpu", "old", no_servers)["free"] > 0
    new = capacity.card("cpu", "new", no_servers)
    assert new["full"] and new["why_full"] == "the namespace quota's home folders are used up"
    assert new["total"] == 2  # both claims are users' claims: without them, two fit


def test_when_a_place_frees_follows_the_cullers_rules(cluster: FakeCache) -> None:
    capacity = capacity_for(cluster, Clock())
    fill_gpus(cluster, 4)
    started = NOW - timedelta(hours=1)
    times = {
        "u0": ServerTimes(started, NOW - timedelta(minutes=10), "gpu"),  # idle 10 of 30 min; 1 of 2 h run
        "u1": ServerTimes(NOW - timedelta(minutes=5), NOW, "gpu"),
    }
    card = capacity.card("gpu", "student", lambda user, server: times.get(user))
    assert card["frees_by"] == "2026-11-30T13:00:00Z"  # u0's maximum runtime
    assert card["frees_if_idle"] == "2026-11-30T12:20:00Z"  # u0's idle timeout, if it stays idle


def test_a_server_whose_end_would_not_make_a_place_does_not_count(cluster: FakeCache) -> None:
    capacity = capacity_for(cluster, Clock())
    fill_gpus(cluster, 4)
    cluster.pod("jupyter-cpu", "mig-a", {"cpu": 0.5, "memory": GIB}, user="cpu-user")
    card = capacity.card("gpu", "student", lambda user, server: ServerTimes(NOW, NOW, "cpu") if user == "cpu-user" else None)
    assert card["frees_by"] is None and card["frees_if_idle"] is None


def line_of_two_then_a_place_frees(cluster: FakeCache, clock: Clock) -> LiveCapacity:
    """Every GPU in use, anna then ben in line for it, then one GPU server stops."""
    capacity = capacity_for(cluster, clock, queue=True)
    fill_gpus(cluster, 4)
    capacity.queue.join("anna", "gpu")
    capacity.queue.join("ben", "gpu")
    assert capacity.card("gpu", "ben", no_servers)["queue"]["position"] == 2
    cluster.remove_pod("jupyter-u0")
    capacity.tick()
    return capacity


def test_the_line_offers_a_freed_place_to_the_first_in_line(cluster: FakeCache) -> None:
    capacity = line_of_two_then_a_place_frees(cluster, Clock())
    assert capacity.card("gpu", "anna", no_servers)["queue"]["offer_until"] == "2026-11-30T12:05:00Z"
    with pytest.raises(SpawnRefused, match="You are number 2 in line"):
        capacity.check("ben", {"profile": "gpu"}, "jupyter-ben", ALL, no_servers)
    with pytest.raises(SpawnRefused, match="2 users are waiting"):
        capacity.check("carl", {"profile": "gpu"}, "jupyter-carl", ALL, no_servers)  # not in line: no jumping it
    capacity.check("anna", {"profile": "gpu"}, "jupyter-anna", ALL, no_servers)
    assert capacity.queue.position("anna") is None and capacity.queue.position("ben") == 1


def test_an_offer_not_taken_in_time_goes_to_the_next_in_line(cluster: FakeCache) -> None:
    clock = Clock()
    capacity = line_of_two_then_a_place_frees(cluster, clock)
    clock.now += 301
    capacity.tick()
    assert capacity.queue.position("anna") is None
    assert capacity.card("gpu", "ben", no_servers)["queue"]["offer_until"] == "2026-11-30T12:10:01Z"


def test_cpu_profiles_have_no_line(cluster: FakeCache) -> None:
    capacity = capacity_for(cluster, Clock(), queue=True)
    assert not capacity.queueable("cpu") and capacity.queueable("gpu") and capacity.queueable("mig")


def test_quota_free_reads_requests_and_skips_limits() -> None:
    quotas = {
        "a": {"hard": {"requests.cpu": "10", "limits.cpu": "20", "persistentvolumeclaims": "5"},
              "used": {"requests.cpu": "2500m", "limits.cpu": "30"}},
        "b": {"hard": {"cpu": "4"}, "used": {"cpu": "1"}},
    }  # fmt: skip
    assert quota_free(quotas) == {"cpu": 3, "persistentvolumeclaims": 5}
    assert quota_free({}) is None


def test_admins_see_who_is_in_line_others_only_how_many(cluster: FakeCache) -> None:
    capacity = line_of_two_then_a_place_frees(cluster, Clock())
    assert capacity.card("gpu", "boss", no_servers, admin=True)["queue"]["users"] == ["anna (offered)", "ben"]
    student = capacity.card("gpu", "carl", no_servers)["queue"]
    assert student["waiting"] == 2 and "users" not in student


def test_the_total_does_not_dip_while_starts_are_in_flight(cluster: FakeCache) -> None:
    capacity = capacity_for(cluster, Clock())
    fill_gpus(cluster, 2)
    capacity.check("first", {"profile": "gpu"}, "jupyter-first", ALL, no_servers)  # held, no pod yet
    cluster.pod("jupyter-second", None, gpu_pod_requests(), user="second")  # made, not yet bound
    card = capacity.card("gpu", "other", no_servers)
    assert (card["free"], card["total"]) == (0, 4)
