/**
 * The class report: `.work/class/report.json` (the issue's fields first, then the detail) and its
 * text for people.
 */
import os from "node:os";
import type { HubRestartReport } from "./hub-restart";
import type { ProcessUsage } from "./process-usage";
import { countBy, percentile } from "./statistics";
import type { StudentResult } from "./student";
import type { ClassUsageFigures } from "./usage-figures";

export interface ClassReport {
  readonly students: number;
  readonly started: number;
  readonly refused: number;
  readonly failed: number;
  /** Seconds from the start request to the hub reporting the server ready. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly max: number | null;
  readonly hubRestart: Pick<HubRestartReport, "serversKept" | "routesKept"> & Partial<HubRestartReport>;
  readonly profile: string;
  /** What `npm run capacity` predicts for the profile. */
  readonly predicted: { readonly users: number; readonly limit: string };
  readonly failuresByCause: Readonly<Record<string, number>>;
  readonly refusalsByReason: Readonly<Record<string, number>>;
  readonly reachable: {
    readonly p50: number | null;
    readonly p95: number | null;
    readonly max: number | null;
  };
  readonly signIn: { readonly p50: number | null; readonly p95: number | null; readonly max: number | null };
  /** Start requests answered 429 and retried; starts asked again after the hub restart dropped them. */
  readonly retries: {
    readonly tooManyRequests: number;
    readonly afterRestart: number;
    readonly labReloads: number;
  };
  readonly hub: ProcessUsage;
  readonly seconds: Readonly<Record<string, number>>;
  readonly machine: { readonly cores: number; readonly loadAverage: readonly number[] };
  readonly failures: readonly { readonly user: string; readonly cause: string; readonly detail: string }[];
  /** With `--usage`: what accounting cost (sim/class/usage-figures.ts). */
  readonly usage?: ClassUsageFigures;
}

const spread = (values: number[]) => ({
  p50: percentile(values, 50),
  p95: percentile(values, 95),
  max: values.length ? Math.max(...values) : null,
});

export function classReport(
  profile: string,
  predicted: ClassReport["predicted"],
  results: readonly StudentResult[],
  hub: ProcessUsage,
  hubRestart: HubRestartReport | undefined,
  seconds: Record<string, number>,
  usage?: ClassUsageFigures,
): ClassReport {
  const started = results.flatMap((r) => (r.outcome.kind === "started" ? [r.outcome] : []));
  const refused = results.flatMap((r) => (r.outcome.kind === "refused" ? [r.outcome] : []));
  const failures = results.flatMap((r) =>
    r.outcome.kind === "failed" ? [{ user: r.user, cause: r.outcome.cause, detail: r.outcome.detail }] : [],
  );
  const times = spread(started.map((outcome) => outcome.seconds));
  return {
    students: results.length,
    started: started.length,
    refused: refused.length,
    failed: failures.length,
    ...times,
    hubRestart: hubRestart ?? { serversKept: 0, routesKept: 0 },
    profile,
    predicted,
    failuresByCause: countBy(failures, (f) => f.cause),
    refusalsByReason: countBy(refused, (r) => r.reason),
    reachable: spread(started.map((outcome) => outcome.reachableSeconds)),
    signIn: spread(results.flatMap((r) => (r.signInSeconds === undefined ? [] : [r.signInSeconds]))),
    retries: {
      tooManyRequests: results.reduce((sum, r) => sum + r.retries, 0),
      afterRestart: results.reduce((sum, r) => sum + r.restarted, 0),
      labReloads: results.reduce((sum, r) => sum + r.reloads, 0),
    },
    hub,
    seconds,
    machine: {
      cores: os.cpus().length,
      loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
    },
    failures,
    ...(usage ? { usage } : {}),
  };
}

export function classReportText(report: ClassReport): string {
  const s = (value: number | null) => (value === null ? "-" : `${value.toFixed(1)} s`);
  const lines = [
    `class of ${report.students} on ${report.profile} (the planner predicts ${report.predicted.users} fit; limit: ${report.predicted.limit})`,
    `  started ${report.started}, refused ${report.refused}, failed ${report.failed}`,
    `  time to a running server: p50 ${s(report.p50)}, p95 ${s(report.p95)}, max ${s(report.max)}`,
    `  time to JupyterLab through the proxy: p50 ${s(report.reachable.p50)}, p95 ${s(report.reachable.p95)}, max ${s(report.reachable.max)}`,
    `  sign-in: p50 ${s(report.signIn.p50)}, p95 ${s(report.signIn.p95)}, max ${s(report.signIn.max)}`,
    `  retries: ${report.retries.tooManyRequests} after 429 (concurrent-spawn limit), ${report.retries.afterRestart} after the hub restart, ${report.retries.labReloads} JupyterLab reloads after a 5xx`,
    `  hub: ${report.hub.cpuSeconds} CPU s, mean ${report.hub.meanCpuPercent} %, peak ${report.hub.peakCpuPercent} %, peak RSS ${report.hub.peakRssMiB} MiB`,
  ];
  const restart = report.hubRestart;
  if (restart.serversBefore !== undefined)
    lines.push(
      `  hub restart at ${restart.atSeconds?.toFixed(0)} s: back in ${restart.healthySeconds?.toFixed(1)} s, servers kept ${restart.serversKept}/${restart.serversBefore}, routes kept ${restart.routesKept}/${restart.routesBefore}`,
    );
  for (const [cause, count] of Object.entries(report.failuresByCause))
    lines.push(`  failed (${cause}): ${count}`);
  for (const [reason, count] of Object.entries(report.refusalsByReason))
    lines.push(`  refused: ${count} × ${reason}`);
  const usage = report.usage;
  if (usage) {
    const ms = (value: number | null) => (value === null ? "-" : `${value.toFixed(2)} ms`);
    const check = usage.budgetCheckMs;
    lines.push(
      `  usage: ${usage.runs} runs recorded (${usage.closed} closed); usage.sessions ${usage.inserted} inserts, ${usage.updated} updates, ${usage.scans} scans`,
      `  usage writes per minute: peak ${usage.writesPerMinute.peak}, mean ${usage.writesPerMinute.mean} over ${usage.writesPerMinute.minutes} min`,
      `  budget check before a spawn (${check.count}): p50 ${ms(check.p50)}, p95 ${ms(check.p95)}, max ${ms(check.max)}`,
      `  recovery at hub start: ${usage.recoveries.map((r) => `${r.runs} runs in ${r.ms} ms`).join(", ") || "-"}`,
    );
    const across = usage.acrossRestart;
    if (across)
      lines.push(
        `  runs begun before the restart: ${across.before}, ${across.keptOpen} still open, closed ${JSON.stringify(across.closed)}, ${across.reopened} reopened (longest gap ${across.maxGapSeconds ?? "-"} s)`,
      );
  }
  lines.push(
    `  times: ${Object.entries(report.seconds)
      .map(([step, value]) => `${step} ${value.toFixed(1)} s`)
      .join(", ")}`,
  );
  return lines.join("\n");
}
