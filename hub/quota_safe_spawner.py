"""KubeSpawner, safe against ResourceQuota update conflicts when a class starts at once.

With a ResourceQuota in the namespace, every create updates the quota's usage record; when many
creates race, the API server may answer 409 Conflict (the quota object changed under it) instead of
creating the object. KubeSpawner 7.0 reads any 409 on a claim as "the claim already exists" and goes
on to create the pod, which then waits for a claim that was never made until the start timeout
(10 minutes). Here a 409 counts only when the claim really is there; otherwise the create is tried
again with KubeSpawner's own backoff.
"""

from __future__ import annotations

from kubernetes_asyncio.client.rest import ApiException
from kubespawner import KubeSpawner


class QuotaSafeKubeSpawner(KubeSpawner):
    async def _make_create_pvc_request(self, pvc, request_timeout):
        done = await super()._make_create_pvc_request(pvc, request_timeout)
        if not done:
            return False
        try:
            await self.api.read_namespaced_persistent_volume_claim(name=pvc.metadata.name, namespace=self.namespace)
        except ApiException as error:
            if error.status != 404:
                raise
            self.log.warning(
                "PVC %s was not created (409 from a ResourceQuota update conflict, not an existing claim);"
                " trying again",
                pvc.metadata.name,
            )
            return False
        return True
