/**
 * What `npm run class -- --usage` reads from the hub's log: writes per minute from the audit lines
 * written with each start and stop, the budget check's time per spawn and each hub start's recovery.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { usageFromHubLog } from "../../sim/class/usage-figures";

const line = (event: string, time: string) =>
  `audit: ${JSON.stringify({ audit: "hub", version: 1, event, time, user: "student-001" })}`;

test("writes per minute count the spawned and stopped audit lines by minute; the check's and the recovery's times come from their log lines", () => {
  const log = [
    line("spawn-requested", "2026-11-30T14:00:01.000Z"),
    line("spawned", "2026-11-30T14:00:10.000Z"),
    line("spawned", "2026-11-30T14:00:50.000Z"),
    line("stopped", "2026-11-30T14:01:05.000Z"),
    line("login", "2026-11-30T14:01:06.000Z"),
    "[I 2026-11-30 14:00:01.001 JupyterHub usage_hooks:164] usage: budget check for student-001 on cpu-default: 0.52 ms",
    "[I 2026-11-30 14:00:01.002 JupyterHub usage_hooks:164] usage: budget check for student-002 on cpu-default: 1.50 ms",
    "[I 2026-11-30 14:02:01.002 JupyterHub.usage usage_hooks:129] usage: recovered 133 runs in 1531 ms (the hub's database 1294 ms, accounting 237 ms): {'opened': 64, 'closed': 0}",
    'audit: {"event": "spawned", "ti',
  ].join("\n");
  assert.deepEqual(usageFromHubLog(log), {
    writesPerMinute: { peak: 2, mean: 1.5, minutes: 2 },
    budgetCheckMs: { count: 2, p50: 0.52, p95: 1.5, max: 1.5 },
    recoveries: [{ runs: 133, ms: 1531 }],
  });
});
