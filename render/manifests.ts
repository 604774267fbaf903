/**
 * Turns the collected resources into what a reviewer reads: one YAML file per component, objects
 * in the order they must be applied, Helm charts as their reference and values (Helm renders them
 * at deploy time), secret values replaced by a marker.
 */
import { stringify } from "yaml";
import type { CollectedResource } from "./collect";
import type { KubeObject } from "./objects";

/** Kinds in the order they can be applied (as Helm installs them), cluster-wide prerequisites first. */
export const APPLY_ORDER = [
  "Namespace",
  "PriorityClass",
  "CustomResourceDefinition",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "ServiceAccount",
  "Secret",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Service",
  "DaemonSet",
  "Deployment",
  "StatefulSet",
  "PodDisruptionBudget",
  "IngressClass",
  "Ingress",
  "Node",
];

export function applyRank(kind: string): number {
  const rank = APPLY_ORDER.indexOf(kind);
  return rank === -1 ? APPLY_ORDER.length : rank;
}

export interface ChartReference {
  readonly releaseName: string;
  readonly namespace: string;
  readonly chart: string;
  readonly version?: string;
  readonly repository?: string;
  readonly values: unknown;
}

export interface RenderedFile {
  readonly name: string;
  readonly objects: readonly KubeObject[];
  readonly charts: readonly ChartReference[];
}

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

function isKubeObject(resource: CollectedResource): boolean {
  return resource.type.startsWith("kubernetes:") && resource.type !== HELM_RELEASE;
}

function fileNameOf(componentType: string): string {
  const last = componentType.split(":").pop() ?? "platform";
  return last.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** Groups objects by the component that owns them (the longest component name that prefixes theirs). */
export function renderFiles(resources: readonly CollectedResource[]): RenderedFile[] {
  const components = resources
    .filter(
      (resource) => !resource.type.startsWith("kubernetes:") && resource.type.startsWith("gpu-jupyterhub:"),
    )
    .sort((a, b) => b.name.length - a.name.length);
  const files = new Map<string, { objects: KubeObject[]; charts: ChartReference[] }>();
  const fileFor = (name: string) => {
    const owner = components.find((component) => name.startsWith(`${component.name}-`));
    const fileName = owner ? fileNameOf(owner.type) : "platform";
    if (!files.has(fileName)) files.set(fileName, { objects: [], charts: [] });
    return files.get(fileName) as { objects: KubeObject[]; charts: ChartReference[] };
  };
  for (const resource of resources) {
    if (resource.type === HELM_RELEASE) fileFor(resource.name).charts.push(chartReference(resource));
    else if (isKubeObject(resource)) fileFor(resource.name).objects.push(resource.inputs as KubeObject);
  }
  return [...files.entries()]
    .map(([name, content]) => ({ name, objects: sortForApply(content.objects), charts: content.charts }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function sortForApply(objects: readonly KubeObject[]): KubeObject[] {
  return objects
    .map((object, index) => ({ object, index }))
    .sort((a, b) => applyRank(a.object.kind) - applyRank(b.object.kind) || a.index - b.index)
    .map(({ object }) => object);
}

function chartReference(resource: CollectedResource): ChartReference {
  const inputs = resource.inputs as Record<string, unknown>;
  const repository = (inputs.repositoryOpts as { repo?: string } | undefined)?.repo;
  return {
    releaseName: String(inputs.name ?? resource.name),
    namespace: String(inputs.namespace ?? ""),
    chart: String(inputs.chart),
    ...(inputs.version ? { version: String(inputs.version) } : {}),
    ...(repository ? { repository } : {}),
    values: inputs.values ?? {},
  };
}

export function manifestYaml(objects: readonly KubeObject[]): string {
  return objects.map((object) => `---\n${stringify(object, { lineWidth: 0 })}`).join("");
}

export function chartYaml(charts: readonly ChartReference[]): string {
  const header = "# Helm charts: installed by Helm at deploy time from this reference and these values.\n";
  return header + charts.map((chart) => `---\n${stringify(chart, { lineWidth: 0 })}`).join("");
}
