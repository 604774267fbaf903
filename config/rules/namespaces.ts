/** The namespaces the platform creates: one per component that needs its own, never shared. */
import { quote, type RuleIssue } from "../issues";
import { monitoringNamespace } from "../schema/monitoring";
import type { PlatformConfig } from "../schema/platform";

type Path = RuleIssue["path"];

/**
 * Each namespace keeps its own Pod Security level and network policies, and the user scheduler's
 * keeps its ServiceAccount away from the pods the hub creates (a pod may use any account of its
 * namespace). Two components given one name would also make two Namespace objects of that name.
 */
export function namespacesAreDistinct(config: PlatformConfig): RuleIssue[] {
  const namespaces: [Path, string][] = [
    [["cluster", "namespace"], config.cluster.namespace],
    ...(config.userScheduler.enabled
      ? [[["userScheduler", "namespace"], config.userScheduler.namespace] as [Path, string]]
      : []),
    [["storage", "provisionerNamespace"], config.storage.provisionerNamespace],
    ...(config.gpuOperator.enabled
      ? [[["gpuOperator", "namespace"], config.gpuOperator.namespace] as [Path, string]]
      : []),
    ...(config.backup.enabled ? [[["backup", "namespace"], config.backup.namespace] as [Path, string]] : []),
    ...(config.monitoring.enabled
      ? [[["monitoring", "namespace"], monitoringNamespace(config.monitoring)] as [Path, string]]
      : []),
  ];
  return namespaces.flatMap(([path, name], index) => {
    const first = namespaces.findIndex(([, other]) => other === name);
    if (first === index) return [];
    const [firstPath] = namespaces[first] as [Path, string];
    const why =
      path[0] === "userScheduler" && firstPath[0] === "cluster"
        ? "a pod the hub creates there could use the scheduler's ServiceAccount and its cluster-wide rights"
        : "each component's namespace has its own Pod Security level and network policies";
    return [
      {
        path,
        message: `namespace ${quote(name)} is already the namespace set at {0}; ${why}: choose another`,
        refs: [firstPath],
      },
    ];
  });
}
