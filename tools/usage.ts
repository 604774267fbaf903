/**
 * npm run usage -- --month YYYY-MM [--user NAME] [--group NAME] [--json|--csv] [--stack NAME]: hours,
 * compute units and cost per user and profile and per group, from the hub's accounting tables
 * (usage/report.ts). The database: $USAGE_DATABASE_URL; the time zone, price and currency: the
 * stack's usage section. docs/operations.md, "Usage and budgets".
 */
import { fail, loadOrExit, parseCommandLine, runCommand } from "../cli/command";
import { reportCsv, reportText } from "../usage/format";
import { checkMonth, UsageDatabaseError, usageReport } from "../usage/report";

const USAGE = `usage: npm run usage -- --month YYYY-MM [--user NAME] [--group NAME] [--json|--csv] [--stack NAME]
The database: $USAGE_DATABASE_URL (postgresql://USER:PASSWORD@HOST:PORT/DATABASE, the hub's database;
  e.g. kubectl port-forward -n jupyterhub svc/hub-db 5432 and the password from Secret hub-db).`;

runCommand(() => {
  const { values } = parseCommandLine(USAGE, {
    month: { type: "string" },
    user: { type: "string" },
    group: { type: "string" },
    json: { type: "boolean" },
    csv: { type: "boolean" },
    stack: { type: "string", default: "prod" },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const month = values.month as string | undefined;
  if (!month) fail(`--month is required\n${USAGE}`);
  const problem = checkMonth(month);
  if (problem) fail(problem);
  if (values.json && values.csv) fail(`give --json or --csv, not both\n${USAGE}`);
  const databaseUrl = process.env.USAGE_DATABASE_URL;
  if (!databaseUrl) fail(`set USAGE_DATABASE_URL\n${USAGE}`);
  const { usage } = loadOrExit(values.stack as string).config;
  try {
    const report = usageReport({
      databaseUrl,
      month,
      timeZone: usage.timeZone,
      pricePerUnit: usage.pricePerUnit,
      currency: usage.currency,
      ...(values.user ? { user: values.user as string } : {}),
      ...(values.group ? { group: values.group as string } : {}),
    });
    process.stdout.write(
      values.json
        ? `${JSON.stringify(report, null, 2)}\n`
        : values.csv
          ? reportCsv(report)
          : reportText(report),
    );
  } catch (error) {
    if (error instanceof UsageDatabaseError) fail(error.message);
    throw error;
  }
});
