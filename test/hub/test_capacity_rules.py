"""hub/capacity_rules.py against the shared corpus (test/fixtures/places-corpus.json), which the
capacity planner's TypeScript passes too (test/capacity/places-corpus.test.ts): one rule, the same
answers on both sides. Also the quantities and pod requests the live cache reads from the cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from capacity_rules import ClusterState, NodeState, PlaceRequest, free_places, parse_quantity, pod_requests, profile_request

CORPUS = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "places-corpus.json").read_text())


def state_of(case: dict) -> ClusterState:
    nodes = tuple(
        NodeState(node["name"], node["labels"], node["allocatable"], node["requested"]) for node in case["nodes"]
    )
    return ClusterState(nodes, case.get("quotaFree"))


@pytest.mark.parametrize("case", CORPUS["cases"], ids=[case["name"] for case in CORPUS["cases"]])
def test_corpus(case: dict) -> None:
    request = case["request"]
    answer = free_places(
        state_of(case["state"]),
        PlaceRequest(request["requests"], tuple(request["affinity"]), request["newClaim"]),
    )
    assert {"places": answer.places, "limit": answer.limit, "perNode": answer.per_node} == case["expected"]


@pytest.mark.parametrize(
    ("text", "value"),
    [("500m", 0.5), ("2", 2), (4, 4), ("32Gi", 32 * 2**30), ("1Ti", 2**40), ("100k", 1e5), ("1e3", 1000)],
)
def test_quantities(text, value) -> None:
    assert parse_quantity(text) == pytest.approx(value)


def test_a_bad_quantity_is_named() -> None:
    with pytest.raises(ValueError, match="'12XB'"):
        parse_quantity("12XB")


def test_pod_requests_add_containers_and_take_the_larger_init_container() -> None:
    spec = {
        "containers": [
            {"resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}},
            {"resources": {"requests": {"cpu": "250m", "nvidia.com/gpu": "1"}}},
            {},
        ],
        "initContainers": [{"resources": {"requests": {"cpu": "2", "memory": "512Mi"}}}],
    }
    assert pod_requests(spec) == {"cpu": 2, "memory": 2**30, "nvidia.com/gpu": 1}


def test_a_profile_request_is_its_guarantees_and_devices(settings) -> None:
    gpu_profile = next(p for p in settings["profiles"] if p["gpu"]["kind"] == "full")
    request = profile_request(gpu_profile["kubespawner_override"], new_claim=True)
    override = gpu_profile["kubespawner_override"]
    assert request.requests["cpu"] == override["cpu_guarantee"]
    assert request.requests["memory"] == override["mem_guarantee"]
    assert request.requests[gpu_profile["gpu"]["resource"]] == gpu_profile["gpu"]["count"]
    assert request.affinity and request.new_claim
