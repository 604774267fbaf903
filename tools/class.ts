/**
 * npm run class -- --students N [--profile SLUG] [--stack NAME] [--no-restart] [--usage] [--json]
 * A class starting at once on the simulated cluster: N students sign in through the identity
 * provider and start servers concurrently through the hub's API; the hub is restarted mid-storm.
 * Prints the report (JSON with --json; progress goes to stderr) and writes .work/class/report.json.
 * --usage: usage accounting on (a budget for the class's group no class exhausts); the report adds
 * the writes to the schema `usage` per minute and the time of the budget check before each spawn.
 * Exits 1 when a student's spawn failed (refusals the capacity planner predicts are not failures).
 */
import { fail, parseCommandLine, runCommand } from "../cli/command";
import { classReportText } from "../sim/class/report";
import { CLASS_REPORT, runClass } from "../sim/class/run";
import { simConfig } from "../sim/stack";

const USAGE =
  "usage: npm run class -- --students N [--profile SLUG] [--stack NAME] [--name NAME] [--no-restart] [--usage] [--json]";

runCommand(async () => {
  const { values } = parseCommandLine(USAGE, {
    students: { type: "string" },
    profile: { type: "string" },
    stack: { type: "string", default: "prod" },
    name: { type: "string", default: "class" },
    "no-restart": { type: "boolean", default: false },
    usage: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  });
  if (values.help) return void console.log(USAGE);
  const students = Number(values.students);
  if (!Number.isInteger(students) || students < 1)
    fail(`--students needs a whole number above 0\n${USAGE}`, 2);
  const json = values.json as boolean;
  const log = (line: string) => (json ? process.stderr : process.stdout).write(`[class] ${line}\n`);
  let config: ReturnType<typeof simConfig>;
  try {
    config = simConfig(values.stack as string);
  } catch (error) {
    fail((error as Error).message);
  }
  const report = await runClass({
    stack: values.stack as string,
    name: values.name as string,
    config,
    students,
    ...(values.profile ? { profile: values.profile as string } : {}),
    restart: !(values["no-restart"] as boolean),
    usage: values.usage as boolean,
    log,
  }).catch((error: Error) => fail(error.message));
  console.log(json ? JSON.stringify(report, null, 2) : classReportText(report));
  log(`report written to ${CLASS_REPORT}`);
  if (report.failed > 0) process.exitCode = 1;
});
