/**
 * npm run bench: prints the figures the issues set targets for. Timings are medians of repeated
 * in-process runs after a warm-up; the machine (2 cores) and its load are printed with them.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../cli/command";
import { table } from "../cli/summary";
import { loadPlatformConfig, loadPlatformConfigFromText } from "../config/load";
import { collectPlatform } from "../render/collect";
import { renderFiles } from "../render/manifests";
import { generatedProfiles, generatedStack } from "./generate";
import { medianMs, medianMsAsync, verdict } from "./timing";

function benchConfig(): void {
  const prodStack = path.join(PROJECT_ROOT, "Pulumi.prod.yaml");
  const prodMs = medianMs(20, () => loadPlatformConfig({ stackFile: prodStack }));
  console.log(
    `config: load+validate prod stack (files read each run): ${prodMs.toFixed(1)} ms (target < 100 ms: ${verdict(prodMs, 100)})`,
  );

  const stack = generatedStack(200);
  const rows: string[][] = [["profiles", "nodes", "median ms", "µs per profile"]];
  let largeMs = 0;
  for (const count of [100, 250, 500, 1000]) {
    const profiles = generatedProfiles(count);
    const check = loadPlatformConfigFromText(stack, profiles);
    if (!check.config)
      throw new Error(`generated config is invalid: ${JSON.stringify(check.issues.slice(0, 3))}`);
    const ms = medianMs(5, () => loadPlatformConfigFromText(stack, profiles));
    rows.push([`${count}`, "200", ms.toFixed(1), ((ms * 1000) / count).toFixed(0)]);
    if (count === 1000) largeMs = ms;
  }
  console.log(table(rows));
  console.log(
    `config: 1,000 profiles + 200 nodes: ${largeMs.toFixed(0)} ms (target < 2000 ms: ${verdict(largeMs, 2000)})`,
  );
  const per100 = Number(rows[1]?.[3]);
  const per1000 = Number(rows[4]?.[3]);
  console.log(
    `config: growth 100 → 1,000 profiles: time per profile ×${(per1000 / per100).toFixed(2)} (linear ≈ ×1; target: linear)`,
  );
}

async function benchRender(): Promise<void> {
  const { config } = loadPlatformConfig({ stackFile: path.join(PROJECT_ROOT, "Pulumi.prod.yaml") });
  if (!config) throw new Error("prod config does not load");
  let resources = 0;
  const programMs = await medianMsAsync(5, async () => {
    resources = (await collectPlatform(config)).length;
  });
  console.log(
    `program: evaluate the Platform under mocks (prod): ${programMs.toFixed(0)} ms, ${resources} resources registered (target < 1500 ms: ${verdict(programMs, 1500)})`,
  );
  const out = path.join(PROJECT_ROOT, ".work", "bench-render");
  const commandMs = await medianMsAsync(3, async () => {
    // As `npm run render` runs it (package.json), without npm's own start-up.
    execFileSync(
      process.execPath,
      ["--import", "tsx", path.join(PROJECT_ROOT, "tools", "render.ts"), "--out", out],
      {
        stdio: "ignore",
        cwd: PROJECT_ROOT,
      },
    );
  });
  console.log(
    `render: npm run render (prod), whole command: ${commandMs.toFixed(0)} ms (target < 3000 ms: ${verdict(commandMs, 3000)})`,
  );
  const large = loadPlatformConfigFromText(generatedStack(200), generatedProfiles(1000));
  if (!large.config) throw new Error("generated config is invalid");
  const largeConfig = large.config;
  let largeFiles = 0;
  const largeMs = await medianMsAsync(3, async () => {
    largeFiles = renderFiles(await collectPlatform(largeConfig)).length;
  });
  console.log(
    `render: generated 1,000 profiles + 200 nodes, in-process: ${largeMs.toFixed(0)} ms (${largeFiles} files)`,
  );
}

async function main(): Promise<void> {
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, load ${os.loadavg()[0]?.toFixed(2)}, node ${process.version}`,
  );
  const profileCount = readdirSync(path.join(PROJECT_ROOT, "config", "profiles")).length;
  console.log(
    `prod: ${profileCount} profile files, stack file ${readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml")).length} bytes`,
  );
  benchConfig();
  await benchRender();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
