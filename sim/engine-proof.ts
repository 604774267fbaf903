/**
 * npm run sim:engine-proof -- [--stack NAME] [--name NAME]
 * Every step of the real-engine story on a fresh simulated cluster (engine/proof.ts): preview with
 * the policy pack, up, a second preview, what a profile / secret / MIG edit would change, destroy,
 * what destroy kept, up again with the user's files back. Stops the cluster and writes the facts to
 * `.work/sim/<name>/engine.json`. Exits 1 when a step fails or a fact is not what it must be.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fail, parseCommandLine, runCommand } from "../cli/command";
import { runEngineProof } from "../engine/proof";
import { startCluster, stopCluster } from "./cluster";
import { simConfig } from "./stack";

const USAGE = "usage: npm run sim:engine-proof -- [--stack NAME] [--name NAME]";
const log = (line: string) => console.log(`[engine-proof] ${line}`);

runCommand(async () => {
  const { values } = parseCommandLine(USAGE, {
    stack: { type: "string", default: "prod" },
    name: { type: "string" },
  });
  if (values.help) return void console.log(USAGE);
  const stack = values.stack as string;
  const name = (values.name as string | undefined) ?? `${stack}-engine-proof`;
  let config: ReturnType<typeof simConfig>;
  try {
    config = simConfig(stack);
  } catch (error) {
    fail((error as Error).message);
  }
  const started = Date.now();
  const cluster = await startCluster({ name, config, nodes: config.nodes, log });
  let ok = false;
  try {
    const proof = await runEngineProof({ cluster, stack, config, log });
    const file = path.join(cluster.dir, "engine.json");
    writeFileSync(file, `${JSON.stringify({ ...proof, seconds: (Date.now() - started) / 1000 }, null, 2)}\n`);
    console.log(`\n${JSON.stringify(proof, null, 2)}\n`);
    const problems = [
      ...(proof.secondPreview.changes !== 0
        ? [`the second preview has ${proof.secondPreview.changes} changes`]
        : []),
      ...(proof.policy.violations !== 0 ? [`${proof.policy.violations} policy violations`] : []),
      ...(proof.userData.kept ? [] : ["the user's data did not survive destroy and up"]),
    ];
    for (const problem of problems) console.error(`[engine-proof] FAILED: ${problem}`);
    log(`facts in ${path.relative(process.cwd(), file)}`);
    ok = problems.length === 0;
  } catch (error) {
    console.error(`[engine-proof] ${(error as Error).message}`);
  } finally {
    await stopCluster(name, log);
    cluster.client.close();
  }
  if (!ok) process.exit(1);
});
