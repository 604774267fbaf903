"""hub/quota_safe_spawner.py: a 409 Conflict (a create that lost the race for the ResourceQuota's usage
record) is tried again; a 409 AlreadyExists and everything else get KubeSpawner's own handling. The
real KubeSpawner code runs; only its Kubernetes API client is replaced by one that answers as the API
server does."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

from conftest import USERS
from kubernetes_asyncio.client.rest import ApiException
from quota_safe_spawner import QuotaSafeKubeSpawner

CONFLICT = {"kind": "Status", "reason": "Conflict", "code": 409,
            "message": 'Operation cannot be fulfilled on resourcequotas "jupyterhub-quota": the object has been modified'}
EXISTS = {"kind": "Status", "reason": "AlreadyExists", "code": 409, "message": "already exists"}


def api_error(status: int, body: dict[str, Any]) -> ApiException:
    error = ApiException(status=status, reason=body.get("reason"))
    error.body = json.dumps(body)
    return error


class FakeApi:
    """Answers creates with the queued outcomes (None: created); counts deletes."""

    def __init__(self, creates: list[ApiException | None]) -> None:
        self.creates = creates
        self.deletes = 0

    def _create(self) -> None:
        outcome = self.creates.pop(0)
        if outcome is not None:
            raise outcome

    async def create_namespaced_persistent_volume_claim(self, namespace: str, body: Any) -> Any:
        self._create()
        return body

    async def create_namespaced_pod(self, namespace: str, body: Any) -> Any:
        self._create()
        return body


def spawner(api: FakeApi) -> QuotaSafeKubeSpawner:
    async def make() -> QuotaSafeKubeSpawner:
        made = QuotaSafeKubeSpawner(_mock=True, user=USERS["student"])
        made.api = api
        return made

    return asyncio.run(make())


def claim_attempt(made: QuotaSafeKubeSpawner) -> bool:
    claim = SimpleNamespace(metadata=SimpleNamespace(name="claim-student"))
    return asyncio.run(made._make_create_pvc_request(claim, 3))


def pod_attempt(made: QuotaSafeKubeSpawner) -> bool:
    pod = SimpleNamespace(metadata=SimpleNamespace(name="jupyter-student"), to_str=lambda: "jupyter-student")
    return asyncio.run(made._make_create_pod_request(pod, 3))


def test_a_claim_lost_to_a_quota_conflict_is_created_on_the_next_try() -> None:
    made = spawner(FakeApi([api_error(409, CONFLICT), None]))
    assert claim_attempt(made) is False  # KubeSpawner's exponential_backoff calls again
    assert claim_attempt(made) is True


def test_a_claim_that_already_exists_is_used_as_kubespawner_does() -> None:
    assert claim_attempt(spawner(FakeApi([api_error(409, EXISTS), api_error(409, EXISTS)]))) is True


def test_a_pod_lost_to_a_quota_conflict_is_tried_again_without_deleting_anything() -> None:
    made = spawner(FakeApi([api_error(409, CONFLICT), None]))
    stops: list[bool] = []

    async def stop(now: bool = False) -> None:
        stops.append(now)

    made.stop = stop
    assert pod_attempt(made) is False
    assert pod_attempt(made) is True
    assert stops == []


def test_an_existing_pod_is_stopped_and_tried_again_as_kubespawner_does() -> None:
    made = spawner(FakeApi([api_error(409, EXISTS), api_error(409, EXISTS)]))
    stops: list[bool] = []

    async def stop(now: bool = False) -> None:
        stops.append(now)

    made.stop = stop
    assert pod_attempt(made) is False
    assert stops == [True]


def test_other_refusals_still_fail() -> None:
    forbidden = {"kind": "Status", "reason": "Forbidden", "code": 403, "message": "exceeded quota"}
    made = spawner(FakeApi([api_error(403, forbidden), api_error(403, forbidden)]))
    try:
        pod_attempt(made)
    except ApiException as error:
        assert error.status == 403
    else:
        raise AssertionError("a 403 was swallowed")
