/**
 * npm run render -- [--stack NAME] [--out DIR]: every Kubernetes object the stack would create,
 * as YAML, one file per component, in apply order, secret values replaced by a marker.
 * Needs no cluster, no Pulumi backend and no login.
 */
import path from "node:path";
import { displayPath, loadOrExit, PROJECT_ROOT, parseCommandLine, runCommand } from "../cli/command";
import { renderToDirectory } from "../render/directory";

const USAGE = "usage: npm run render -- [--stack NAME] [--profiles DIR] [--out DIR]";

runCommand(async () => {
  const { values } = parseCommandLine(USAGE, {
    stack: { type: "string", default: "prod" },
    profiles: { type: "string" },
    out: { type: "string" },
  });
  if (values.help) return void console.log(USAGE);
  const stack = values.stack as string;
  const { config } = loadOrExit(stack, values.profiles as string | undefined);
  const outDir = path.resolve(
    (values.out as string | undefined) ?? path.join(PROJECT_ROOT, ".work", "render", stack),
  );
  const written = await renderToDirectory(config, outDir);
  console.log(`rendered stack "${stack}" into ${displayPath(outDir)}/: ${written.join(", ")}`);
});
