/**
 * A class at once on the simulated cluster (`npm run class`): the stack deployed by the real
 * engine, the live platform, N students starting servers of one profile concurrently, the hub
 * restarted mid-storm, the report written to `.work/class/report.json`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { namespaceOverhead } from "../../capacity/overhead";
import { profileCapacity } from "../../capacity/plan";
import type { PlatformConfig } from "../../config/schema/platform";
import { collectPlatform } from "../../render/collect";
import { renderFiles } from "../../render/manifests";
import type { SimCluster } from "../cluster";
import { PROJECT_ROOT } from "../cluster";
import { startNotebookRunner } from "../notebook-runner";
import { classAccounts, startClassPlatform } from "./platform";
import { type ClassReport, classReport } from "./report";
import { classStackFile } from "./stack-file";
import { classStorm } from "./storm";
import { type ClassUsageFigures, classUsageFigures } from "./usage-figures";

export const CLASS_REPORT = path.join(PROJECT_ROOT, ".work", "class", "report.json");

export interface ClassOptions {
  readonly stack: string;
  readonly name: string;
  readonly config: PlatformConfig;
  readonly students: number;
  /** Default: the stack's default profile. */
  readonly profile?: string;
  readonly restart: boolean;
  /** Usage accounting on, with a budget for the class's group; the report gets its cost (usage-figures.ts). */
  readonly usage?: boolean;
  readonly log: (line: string) => void;
  readonly notebooks?: (cluster: SimCluster) => Promise<{ stop(): Promise<void> }>;
}

/** The profile and the group whose members may use it (the first group it names; else any allowed). */
export function classProfile(config: PlatformConfig, slug?: string) {
  const profile = slug
    ? config.profiles.find((candidate) => candidate.slug === slug)
    : config.profiles.find((candidate) => candidate.default);
  if (!profile)
    throw new Error(
      `no profile ${slug ?? "marked default"}; the stack has ${config.profiles.map((p) => p.slug).join(", ")}`,
    );
  const group = profile.groups[0] ?? config.auth.groups.allowed[0];
  if (!group) throw new Error(`no group may use ${profile.slug}`);
  return { profile, group };
}

export async function runClass(options: ClassOptions): Promise<ClassReport> {
  const { config, log } = options;
  const { profile, group } = classProfile(config, options.profile);
  const objects = renderFiles(await collectPlatform(config)).flatMap((file) => file.objects);
  const predicted = profileCapacity(config, profile, namespaceOverhead(config, objects));
  log(
    `${options.students} students of group ${group} on ${profile.slug}; the planner predicts ${predicted.users} fit (${predicted.limit})`,
  );

  const accounts = classAccounts(options.students, group);
  const stackFile = classStackFile(
    options.stack,
    path.join(path.dirname(CLASS_REPORT), "stack"),
    Math.max(config.singleuser.httpTimeout, config.singleuser.startTimeout),
    options.usage ? group : undefined,
  );
  log(
    `servers get ${stackFile.httpTimeout} s to answer (singleuser.httpTimeout, ${config.singleuser.httpTimeout} s in the stack): here they all share this machine's ${os.cpus().length} cores`,
  );
  const total = Date.now();
  const platform = await startClassPlatform({
    name: options.name,
    stack: options.stack,
    config,
    accounts,
    log,
    stackFile,
    notebooks:
      options.notebooks ??
      ((cluster) => startNotebookRunner(cluster, { namespace: config.cluster.namespace, log })),
  });
  try {
    const expected = Math.min(options.students, predicted.users);
    const storm = await classStorm(platform, accounts, {
      profile: profile.slug,
      timeoutMs: (config.singleuser.startTimeout + 60) * 1000,
      ...(options.restart && expected > 1 ? { restartAt: Math.ceil(expected / 2) } : {}),
      log,
    });
    let usage: ClassUsageFigures | undefined;
    if (options.usage) {
      usage = await classUsageFigures(
        platform.live.database.url,
        platform.live.hub.log,
        storm.hubRestart?.at,
      );
      log(`usage: ${JSON.stringify(usage)}`);
    }
    const report = classReport(
      profile.slug,
      { users: predicted.users, limit: predicted.limit },
      storm.results,
      storm.hub,
      storm.hubRestart,
      { ...platform.seconds, storm: storm.seconds, total: (Date.now() - total) / 1000 },
      usage,
    );
    mkdirSync(path.dirname(CLASS_REPORT), { recursive: true });
    writeFileSync(CLASS_REPORT, `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    await platform.stop();
  }
}
