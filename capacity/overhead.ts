/**
 * What the platform itself takes from the namespace quota: the requests of its own pods (hub,
 * proxy, schedulers, database, pre-pullers on every node they run on) and its own claims.
 * Read from the rendered objects, so it can never disagree with what is deployed.
 */
import { expectedNodeLabels } from "../config/placement";
import type { PlatformConfig } from "../config/schema/platform";
import { type KubeObject, podMatchesNode, podRequests, podTemplateSpec } from "../render/objects";
import type { Resources } from "./demand";
import { type Overhead, PVCS } from "./plan";

export function namespaceOverhead(config: PlatformConfig, objects: readonly KubeObject[]): Overhead {
  const namespace = config.cluster.namespace;
  const quota: Resources = {};
  const add = (requests: Resources, times: number) => {
    for (const [resource, value] of Object.entries(requests)) {
      const name = resource.startsWith("requests.") ? resource.slice("requests.".length) : resource;
      quota[name] = (quota[name] ?? 0) + value * times;
    }
  };
  const nodeLabels = config.nodes.map(expectedNodeLabels);
  for (const object of objects.filter((candidate) => candidate.metadata.namespace === namespace)) {
    const spec = podTemplateSpec(object);
    if (object.kind === "PersistentVolumeClaim") add({ [PVCS]: 1 }, 1);
    if (!spec) continue;
    const replicas =
      object.kind === "DaemonSet"
        ? nodeLabels.filter((labels) => podMatchesNode(spec, labels)).length
        : (object.spec?.replicas ?? 1);
    add(podRequests(spec), replicas);
    if (object.kind === "StatefulSet")
      add({ [PVCS]: (object.spec?.volumeClaimTemplates ?? []).length }, replicas);
  }
  return { quota };
}
