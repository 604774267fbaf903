/** Kubernetes objects as the render produces them (plain JSON), and small readers for them. */
import { type NodeSelectorTerm, nodeSelectorMatches } from "../config/placement";
import { parseQuantity } from "../config/quantity";

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON, read by path.
  readonly spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  readonly [field: string]: any;
}

interface Container {
  readonly resources?: { readonly requests?: Record<string, string | number> };
}

export interface PodSpecLike {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly nodeSelector?: Record<string, string>;
  readonly affinity?: {
    readonly nodeAffinity?: {
      readonly requiredDuringSchedulingIgnoredDuringExecution?: {
        readonly nodeSelectorTerms: readonly {
          readonly matchExpressions?: readonly {
            key: string;
            operator: string;
            values?: readonly string[];
          }[];
        }[];
      };
    };
  };
}

/** The pod template's spec of a workload, or undefined for other kinds. */
export function podTemplateSpec(object: KubeObject): PodSpecLike | undefined {
  return object.spec?.template?.spec;
}

/** A pod's effective requests, as the scheduler and the quota count them (init containers run alone). */
export function podRequests(spec: PodSpecLike): Record<string, number> {
  const sum: Record<string, number> = {};
  const add = (target: Record<string, number>, container: Container) => {
    for (const [resource, value] of Object.entries(container.resources?.requests ?? {})) {
      target[resource] = (target[resource] ?? 0) + (parseQuantity(String(value)) ?? 0);
    }
  };
  for (const container of spec.containers) add(sum, container);
  for (const init of spec.initContainers ?? []) {
    const alone: Record<string, number> = {};
    add(alone, init);
    for (const [resource, value] of Object.entries(alone))
      sum[resource] = Math.max(sum[resource] ?? 0, value);
  }
  return sum;
}

/** Whether a pod with this spec may run on a node with these labels (nodeSelector and required affinity). */
export function podMatchesNode(spec: PodSpecLike, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(spec.nodeSelector ?? {})) if (labels[key] !== value) return false;
  const terms =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  // The scheduler's rule, as the profiles' placement uses it (an operator it does not know never matches).
  return nodeSelectorMatches(
    terms.map((term) => ({ matchExpressions: term.matchExpressions ?? [] })) as readonly NodeSelectorTerm[],
    labels,
  );
}
