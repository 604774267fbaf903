/**
 * API discovery, as kubectl does it: which resource (URL path segment) serves a kind, and whether it
 * is namespaced. A kind the server does not know (its CRD is not installed) has no path.
 */
import type { KubeClient } from "./kube-client";

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export interface ResourcePath {
  readonly resource: string;
  readonly namespaced: boolean;
  /** /api/v1 or /apis/<group>/<version> */
  readonly base: string;
}

export class Discovery {
  private readonly groups = new Map<string, Promise<ApiResource[] | undefined>>();

  constructor(private readonly client: KubeClient) {}

  private resources(apiVersion: string): Promise<ApiResource[] | undefined> {
    let found = this.groups.get(apiVersion);
    if (!found) {
      const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      found = this.client
        .find<{ resources: ApiResource[] }>(base)
        .then((list) => list?.resources.filter((resource) => !resource.name.includes("/")));
      this.groups.set(apiVersion, found);
    }
    return found;
  }

  /** Where objects of this apiVersion/kind live, or undefined when the server has no such API. */
  async resolve(apiVersion: string, kind: string): Promise<ResourcePath | undefined> {
    const resource = (await this.resources(apiVersion))?.find((candidate) => candidate.kind === kind);
    if (!resource) return undefined;
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return { resource: resource.name, namespaced: resource.namespaced, base };
  }

  /** The object's URL path; namespaced objects without a namespace go to "default", as with kubectl. */
  static objectPath(where: ResourcePath, name: string, namespace?: string): string {
    const scope = where.namespaced ? `/namespaces/${namespace ?? "default"}` : "";
    return `${where.base}${scope}/${where.resource}/${name}`;
  }
}
