"""hub/quota_safe_spawner.py: a 409 on a claim counts as "already exists" only when the claim is there.
The real KubeSpawner code runs; only its Kubernetes API client is replaced by one that answers as the
API server does when concurrent creates race for the ResourceQuota's usage record."""

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
EXISTS = {"kind": "Status", "reason": "AlreadyExists", "code": 409,
          "message": 'persistentvolumeclaims "claim-student" already exists'}


def api_error(status: int, body: dict[str, Any]) -> ApiException:
    error = ApiException(status=status, reason=body.get("reason"))
    error.body = json.dumps(body)
    return error


class FakeApi:
    """Answers creates with the queued outcomes and reads with whether the claim exists."""

    def __init__(self, creates: list[ApiException | None], exists: bool) -> None:
        self.creates = creates
        self.exists = exists
        self.reads = 0

    async def create_namespaced_persistent_volume_claim(self, namespace: str, body: Any) -> Any:
        outcome = self.creates.pop(0)
        if outcome is not None:
            raise outcome
        self.exists = True
        return body

    async def read_namespaced_persistent_volume_claim(self, name: str, namespace: str) -> Any:
        self.reads += 1
        if not self.exists:
            raise api_error(404, {"reason": "NotFound", "code": 404})
        return SimpleNamespace(metadata=SimpleNamespace(name=name))


def attempt(api: FakeApi) -> bool:
    async def run() -> bool:
        spawner = QuotaSafeKubeSpawner(_mock=True, user=USERS["student"])
        spawner.api = api
        claim = SimpleNamespace(metadata=SimpleNamespace(name="claim-student"))
        return await spawner._make_create_pvc_request(claim, 3)

    return asyncio.run(run())


def test_a_quota_conflict_is_tried_again_not_taken_for_an_existing_claim() -> None:
    api = FakeApi([api_error(409, CONFLICT)], exists=False)
    assert attempt(api) is False  # exponential_backoff calls again
    assert api.reads == 1


def test_a_claim_that_really_exists_is_used() -> None:
    assert attempt(FakeApi([api_error(409, EXISTS)], exists=True)) is True


def test_a_created_claim_is_used() -> None:
    api = FakeApi([None], exists=False)
    assert attempt(api) is True
    assert api.exists


def test_the_retry_after_a_conflict_creates_the_claim() -> None:
    api = FakeApi([api_error(409, CONFLICT), None], exists=False)
    assert attempt(api) is False
    assert attempt(api) is True
