/** Helpers for component tests: render a config under mocks and look resources up by kind and name. */
import assert from "node:assert/strict";
import type { PlatformSecrets } from "../../config/pulumi-stack";
import type { PlatformConfig } from "../../config/schema/platform";
import { type CollectedResource, collectPlatform } from "../../render/collect";

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form JSON; tests read them by path.
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  [field: string]: any;
};

export interface Rendered {
  readonly resources: CollectedResource[];
  readonly objects: K8sObject[];
  get(kind: string, name: string): K8sObject;
  all(kind: string): K8sObject[];
}

export async function render(config: PlatformConfig, secrets: PlatformSecrets = {}): Promise<Rendered> {
  const resources = await collectPlatform(config, secrets);
  const objects = resources
    .filter((resource) => resource.type.startsWith("kubernetes:"))
    .map((resource) => resource.inputs as K8sObject);
  return {
    resources,
    objects,
    get(kind, name) {
      const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
      assert.ok(found, `${kind}/${name} is rendered`);
      return found;
    },
    all(kind) {
      return objects.filter((object) => object.kind === kind);
    },
  };
}

/** The pod template of a workload. */
export function podSpec(workload: K8sObject) {
  return workload.spec.template.spec;
}
