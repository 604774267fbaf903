/**
 * Applies a rendered stack (npm run render's output directory) to a cluster the way
 * `kubectl apply --server-side --force-conflicts` does, object by object in the render's apply
 * order (render/manifests.ts APPLY_ORDER, across all files), with strict field validation, and
 * reports every object: created, configured, skipped (its kind's CRD is not installed) or failed
 * (the API server's schema, RBAC or admission answer). `*.chart.yaml` files are Helm chart
 * references, installed by Helm at deploy time: listed as skipped, never applied.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { applyRank } from "../render/manifests";
import type { KubeObject } from "../render/objects";
import { Discovery } from "./discovery";
import type { KubeClient, KubeStatus } from "./kube-client";
import { waitFor } from "./wait";

export const FIELD_MANAGER = "gpu-jupyterhub-sim";

export interface AppliedObject {
  readonly file: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly result: "created" | "configured" | "skipped" | "failed";
  readonly message?: string;
}

export interface ChartFile {
  readonly file: string;
  readonly charts: readonly string[];
}

export interface ApplyReport {
  readonly objects: readonly AppliedObject[];
  readonly charts: readonly ChartFile[];
  readonly elapsedMs: number;
}

interface Sourced {
  readonly file: string;
  readonly object: KubeObject;
}

export function readRendered(dir: string): { objects: Sourced[]; charts: ChartFile[] } {
  const objects: Sourced[] = [];
  const charts: ChartFile[] = [];
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith(".yaml"))
    .sort()) {
    const documents = parseAllDocuments(readFileSync(path.join(dir, file), "utf8"))
      .map((document) => document.toJS() as Record<string, unknown> | null)
      .filter((value): value is Record<string, unknown> => value !== null);
    if (file.endsWith(".chart.yaml")) {
      charts.push({
        file,
        charts: documents.map(
          (chart) =>
            `${chart.chart}${chart.version ? ` ${chart.version}` : ""} (release ${chart.releaseName})`,
        ),
      });
    } else {
      for (const object of documents) objects.push({ file, object: object as unknown as KubeObject });
    }
  }
  // Stable: the render's order within a file, files by name, then by kind across all files.
  const ranked = objects.map((entry, index) => ({ entry, index }));
  ranked.sort((a, b) => applyRank(a.entry.object.kind) - applyRank(b.entry.object.kind) || a.index - b.index);
  return { objects: ranked.map(({ entry }) => entry), charts };
}

/**
 * What must be true before the next kind is applied, as a controller on a real cluster would make
 * it true before anyone noticed: namespaces get their `default` ServiceAccount (pods are refused
 * without it), quotas get their status (pods are refused while a quota's usage is unknown).
 */
async function settle(client: KubeClient, kind: string, applied: readonly AppliedObject[]): Promise<void> {
  const done = applied.filter(
    (object) => object.kind === kind && object.result !== "failed" && object.result !== "skipped",
  );
  if (kind === "Namespace") {
    for (const namespace of done)
      await waitFor(
        `ServiceAccount default in namespace ${namespace.name}`,
        async () =>
          (await client.find(`/api/v1/namespaces/${namespace.name}/serviceaccounts/default`)) !== undefined,
        { timeoutMs: 60_000 },
      );
  }
  if (kind === "ResourceQuota") {
    for (const quota of done)
      await waitFor(
        `the usage of ResourceQuota ${quota.namespace}/${quota.name}`,
        async () => {
          const found = await client.find<{ status?: { used?: object } }>(
            `/api/v1/namespaces/${quota.namespace}/resourcequotas/${quota.name}`,
          );
          return found?.status?.used !== undefined;
        },
        { timeoutMs: 60_000 },
      );
  }
}

export async function applyRendered(
  client: KubeClient,
  dir: string,
  log: (line: string) => void = () => {},
): Promise<ApplyReport> {
  const started = Date.now();
  const { objects, charts } = readRendered(dir);
  const discovery = new Discovery(client);
  const results: AppliedObject[] = [];
  for (const chart of charts)
    log(`skipped ${chart.file}: Helm chart reference, not manifests (${chart.charts.join(", ")})`);
  for (let index = 0; index < objects.length; index++) {
    const { file, object } = objects[index] as Sourced;
    const { kind, apiVersion, metadata } = object;
    const identity = {
      file,
      kind,
      name: metadata.name,
      ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
    };
    const where = await discovery.resolve(apiVersion, kind);
    if (!where) {
      results.push({
        ...identity,
        result: "skipped",
        message: `the API server has no ${apiVersion} ${kind} (CRD not installed)`,
      });
    } else {
      const response = await client.apply(
        Discovery.objectPath(where, metadata.name, metadata.namespace),
        object,
        FIELD_MANAGER,
      );
      const body = response.body as KubeStatus;
      if (response.status === 201) results.push({ ...identity, result: "created" });
      else if (response.status === 200) results.push({ ...identity, result: "configured" });
      else
        results.push({
          ...identity,
          result: "failed",
          message: `${response.status} ${body.reason ?? ""}: ${body.message ?? JSON.stringify(body)}`,
        });
    }
    const last = results[results.length - 1] as AppliedObject;
    if (last.result === "failed" || last.result === "skipped")
      log(
        `${last.result} ${kind} ${metadata.namespace ? `${metadata.namespace}/` : ""}${metadata.name} (${file}): ${last.message}`,
      );
    const next = objects[index + 1]?.object.kind;
    if (next !== kind) await settle(client, kind, results);
  }
  return { objects: results, charts, elapsedMs: Date.now() - started };
}
