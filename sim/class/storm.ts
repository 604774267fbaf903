/**
 * The class at once: every student signs in and starts a server concurrently; once half of those
 * expected to start run, the hub is restarted (when asked). Returns each student's result, the
 * hub's CPU and memory over the storm and what the restart kept.
 */
import type { TestAccount } from "../identity-provider";
import { type HubRestartReport, proxyRoutes, restartHub, routedUsers } from "./hub-restart";
import type { ClassPlatform } from "./platform";
import { type ProcessUsage, UsageSampler } from "./process-usage";
import { runStudent, type StudentResult } from "./student";

export interface StormOptions {
  readonly profile: string;
  readonly timeoutMs: number;
  /** Restart the hub once this many servers have routes; undefined: no restart. */
  readonly restartAt?: number;
  readonly log: (line: string) => void;
}

export interface StormResult {
  readonly results: readonly StudentResult[];
  readonly hub: ProcessUsage;
  readonly hubRestart?: HubRestartReport;
  readonly seconds: number;
}

export async function classStorm(
  platform: ClassPlatform,
  accounts: readonly TestAccount[],
  options: StormOptions,
): Promise<StormResult> {
  const { live, proxyToken } = platform;
  const sampler = new UsageSampler(() => live.hub.record().pid).start();
  const started = Date.now();
  let restarts = 0;
  let finished = 0;
  const results = Promise.all(
    accounts.map((account) =>
      runStudent(account, {
        publicUrl: live.publicUrl,
        profile: options.profile,
        timeoutMs: options.timeoutMs,
        hubRestarts: () => restarts,
      }).then((result) => {
        finished++;
        if (finished % 10 === 0 || finished === accounts.length)
          options.log(
            `${finished}/${accounts.length} students done (${((Date.now() - started) / 1000).toFixed(0)} s)`,
          );
        return result;
      }),
    ),
  );

  let hubRestart: HubRestartReport | undefined;
  const restartAt = options.restartAt;
  if (restartAt !== undefined) {
    let done = false;
    results.finally(() => {
      done = true;
    });
    for (;;) {
      if (done) break;
      const routed = routedUsers(await proxyRoutes(live, proxyToken).catch(() => ({}))).length;
      if (routed >= restartAt) {
        options.log(`${routed} servers running: restarting the hub`);
        restarts++; // before: a student who meets the hub back must know a restart happened
        hubRestart = await restartHub(live, proxyToken, (Date.now() - started) / 1000);
        options.log(
          `hub back in ${hubRestart.healthySeconds.toFixed(1)} s: ${hubRestart.serversKept}/${hubRestart.serversBefore} servers and ${hubRestart.routesKept}/${hubRestart.routesBefore} routes kept`,
        );
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  const all = await results;
  return {
    results: all,
    hub: sampler.stop(),
    ...(hubRestart ? { hubRestart } : {}),
    seconds: (Date.now() - started) / 1000,
  };
}
