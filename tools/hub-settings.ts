/** npm run hub-settings -- [--stack NAME]: prints the hub's settings JSON (what the ConfigMap `hub` holds). */
import { loadOrExit, parseCommandLine, runCommand } from "../cli/command";
import { hubSettingsJson } from "../components/jupyterhub/hub-settings";

const USAGE = "usage: npm run hub-settings -- [--stack NAME] [--profiles DIR]";

runCommand(() => {
  const { values } = parseCommandLine(USAGE, {
    stack: { type: "string", default: "prod" },
    profiles: { type: "string" },
  });
  if (values.help) return void console.log(USAGE);
  const { config } = loadOrExit(values.stack as string, values.profiles as string | undefined);
  process.stdout.write(hubSettingsJson(config));
});
