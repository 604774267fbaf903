"""KubeSpawner, safe against ResourceQuota update conflicts when a class starts at once.

With a ResourceQuota in the namespace, every create updates the quota's usage record; when many
creates race, the API server may answer 409 with reason Conflict (the quota object changed under it)
instead of creating the object. KubeSpawner 7.0 reads any 409 as "the object already exists" (reason
AlreadyExists): for a claim it goes on to create the pod, which then waits until the start timeout
for a claim that was never made; for a pod it deletes the pod it takes for a leftover and waits for
it to go before trying again, which under load uses up its 30 s of retries ("Could not create pod").
Found by `npm run class` (docs/sim.md). Here a Conflict is simply tried again with KubeSpawner's own
backoff; any other answer gets KubeSpawner's own handling.
"""

from __future__ import annotations

import asyncio
import json

from kubernetes_asyncio.client.rest import ApiException
from kubespawner import KubeSpawner


def is_quota_conflict(error: ApiException) -> bool:
    """A 409 that is not AlreadyExists: the create lost a race for the quota's usage record."""
    if error.status != 409:
        return False
    try:
        reason = json.loads(error.body or "{}").get("reason")
    except (TypeError, ValueError):
        reason = None
    return reason != "AlreadyExists"


class QuotaSafeKubeSpawner(KubeSpawner):
    async def _make_create_pvc_request(self, pvc, request_timeout):
        try:
            await asyncio.wait_for(
                self.api.create_namespaced_persistent_volume_claim(namespace=self.namespace, body=pvc),
                request_timeout,
            )
            return True
        except asyncio.TimeoutError:
            return False
        except ApiException as error:
            if is_quota_conflict(error):
                self.log.warning("PVC %s: quota update conflict (409), trying again", pvc.metadata.name)
                return False
        # Anything else: KubeSpawner's own handling, which asks again and meets the same answer.
        return await super()._make_create_pvc_request(pvc, request_timeout)

    async def _make_create_pod_request(self, pod, request_timeout):
        try:
            await asyncio.wait_for(self.api.create_namespaced_pod(self.namespace, pod), request_timeout)
            return True
        except asyncio.TimeoutError:
            return False
        except ApiException as error:
            if is_quota_conflict(error):
                self.log.warning("Pod %s: quota update conflict (409), trying again", pod.metadata.name)
                return False
        return await super()._make_create_pod_request(pod, request_timeout)
