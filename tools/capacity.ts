/**
 * npm run capacity -- [--stack NAME] [--scenario slug=N,...] [--order scarcest|listed] [--json]
 * How many users of each profile fit at once, and how a class scenario plays out.
 * npm run capacity -- --diff REF [--json|--markdown]: the same figures at a git ref and now.
 */

import {
  CurrentConfigError,
  capacityDiff,
  capacityDiffJson,
  capacityDiffMarkdown,
  capacityDiffText,
} from "../capacity/diff-report";
import { namespaceOverhead } from "../capacity/overhead";
import {
  type ProfileCapacity,
  profileCapacities,
  runScenario,
  type ScenarioOrder,
  type ScenarioResult,
} from "../capacity/plan";
import { fail, loadOrExit, PROJECT_ROOT, parseCommandLine, runCommand } from "../cli/command";
import { RefError } from "../cli/git-ref";
import { table } from "../cli/summary";
import { formatBytes, formatCores } from "../config/quantity";
import type { PlatformConfig } from "../config/schema/platform";
import { collectPlatform } from "../render/collect";
import { renderFiles } from "../render/manifests";

const USAGE = [
  "usage: npm run capacity -- [--stack NAME] [--profiles DIR] [--scenario slug=N,slug=N] [--order scarcest|listed] [--json]",
  "       npm run capacity -- --diff GIT_REF [--stack NAME] [--profiles DIR] [--json | --markdown]",
  "  --diff: users at once per profile at GIT_REF (e.g. origin/main) and in the working tree;",
  "          exit 0 when compared (changed or not), 2 for an unknown ref or a config that does not validate",
].join("\n");

/** Exit code of --diff when nothing could be compared (unknown ref, a config that does not validate). */
const DIFF_ERROR = 2;

async function runDiff(
  ref: string,
  stack: string,
  profiles: string | undefined,
  format: string,
): Promise<void> {
  let report: Awaited<ReturnType<typeof capacityDiff>>;
  try {
    report = await capacityDiff({
      projectRoot: PROJECT_ROOT,
      stack,
      ref,
      ...(profiles ? { profilesDir: profiles } : {}),
    });
  } catch (error) {
    if (error instanceof RefError) fail(`capacity --diff: ${error.message}`, DIFF_ERROR);
    if (error instanceof CurrentConfigError) {
      fail(
        `${error.message}\n${error.problems.length} problem(s) in the working tree's config of stack "${stack}"; nothing to compare.`,
        DIFF_ERROR,
      );
    }
    throw error;
  }
  const render = { json: capacityDiffJson, markdown: capacityDiffMarkdown, text: capacityDiffText }[
    format as "json" | "markdown" | "text"
  ];
  process.stdout.write(`${render(report).trimEnd()}\n`);
  if (report.refProblems.length > 0) {
    fail(`capacity --diff: the config at ${ref} does not validate; nothing to compare with.`, DIFF_ERROR);
  }
}

function parseScenario(text: string, config: PlatformConfig): Record<string, number> {
  const counts: Record<string, number> = {};
  const slugs = config.profiles.map((profile) => profile.slug);
  for (const part of text.split(",").filter(Boolean)) {
    const match = /^([a-z0-9-]+)=(\d+)$/.exec(part.trim());
    if (!match) fail(`--scenario: "${part}" is not slug=COUNT (e.g. cpu-default=100)\n${USAGE}`);
    const [, slug, count] = match as unknown as [string, string, string];
    if (!slugs.includes(slug)) fail(`--scenario: no profile "${slug}"; profiles: ${slugs.join(", ")}`);
    counts[slug] = (counts[slug] ?? 0) + Number(count);
  }
  return counts;
}

function capacityTable(rows: readonly ProfileCapacity[]): string {
  return table([
    ["profile", "users at once", "limited by", "per node"],
    ...rows.map((row) => [
      row.slug,
      String(row.users),
      row.limit,
      Object.entries(row.perNode)
        .map(([node, count]) => `${node}: ${count}`)
        .join(", ") || "—",
    ]),
  ]);
}

function scenarioTable(result: ScenarioResult): string {
  return table([
    ["profile", "requested", "started", "waiting", "why they wait"],
    ...result.rows.map((row) => [
      row.slug,
      String(row.requested),
      String(row.started),
      String(row.waiting),
      row.limit ?? "",
    ]),
    ["total", String(result.started + result.waiting), String(result.started), String(result.waiting), ""],
  ]);
}

runCommand(async () => {
  const { values } = parseCommandLine(USAGE, {
    stack: { type: "string", default: "prod" },
    profiles: { type: "string" },
    scenario: { type: "string" },
    order: { type: "string", default: "scarcest" },
    json: { type: "boolean", default: false },
    diff: { type: "string" },
    markdown: { type: "boolean", default: false },
  });
  if (values.help) return void console.log(USAGE);
  if (values.diff !== undefined) {
    if (values.scenario) fail(`--scenario cannot be combined with --diff\n${USAGE}`, DIFF_ERROR);
    if (values.json && values.markdown) fail(`--json or --markdown, not both\n${USAGE}`, DIFF_ERROR);
    const format = values.json ? "json" : values.markdown ? "markdown" : "text";
    const ref = values.diff as string;
    if (ref === "") fail(`--diff needs a git ref, e.g. --diff origin/main\n${USAGE}`, DIFF_ERROR);
    return runDiff(ref, values.stack as string, values.profiles as string | undefined, format);
  }
  if (values.markdown) fail(`--markdown goes with --diff\n${USAGE}`);
  const order = values.order as string;
  if (order !== "scarcest" && order !== "listed") fail(`--order must be "scarcest" or "listed"\n${USAGE}`);
  const { config } = loadOrExit(values.stack as string, values.profiles as string | undefined);
  // The platform's own objects as they are applied (Helm charts are not objects of ours).
  const objects = renderFiles(await collectPlatform(config)).flatMap((file) => file.objects);
  const overhead = namespaceOverhead(config, objects);
  const capacities = profileCapacities(config, overhead);
  const scenario = values.scenario
    ? runScenario(config, parseScenario(values.scenario as string, config), overhead, order as ScenarioOrder)
    : undefined;
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ overhead: overhead.quota, profiles: capacities, scenario, order }, null, 2)}\n`,
    );
    return;
  }
  const q = overhead.quota;
  console.log(
    `Stack "${values.stack}": ${config.nodes.length} nodes, quota ${config.quota.requestsCpu} CPU / ${config.quota.requestsMemory} / ${config.quota.gpus} GPUs / ${config.quota.persistentVolumeClaims} claims`,
  );
  console.log(
    `The platform's own pods and claims take ${formatCores(q.cpu ?? 0)} CPU, ${formatBytes(q.memory ?? 0)} and ${q.persistentvolumeclaims ?? 0} claims of the quota.\n`,
  );
  console.log("Users of one profile at once (each profile alone):");
  console.log(capacityTable(capacities));
  if (scenario) {
    console.log(
      `\nScenario (${order === "scarcest" ? "scarcest resources placed first" : "in the order listed"}):`,
    );
    console.log(scenarioTable(scenario));
  }
});
