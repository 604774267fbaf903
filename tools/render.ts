/**
 * npm run render -- [--stack NAME] [--out DIR]: every Kubernetes object the stack would create,
 * as YAML, one file per component, in apply order, secret values replaced by a marker.
 * Needs no cluster, no Pulumi backend and no login.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { PlatformConfig } from "../config/schema/platform";
import { collectPlatform } from "../render/collect";
import { chartYaml, manifestYaml, renderFiles } from "../render/manifests";
import { displayPath, loadOrExit, PROJECT_ROOT, parseCommandLine, runCommand } from "./cli";

const USAGE = "usage: npm run render -- [--stack NAME] [--profiles DIR] [--out DIR]";

/** Renders `config` into `outDir` (emptied first); returns the files written. */
export async function renderToDirectory(config: PlatformConfig, outDir: string): Promise<string[]> {
  const files = renderFiles(await collectPlatform(config));
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const file of files) {
    if (file.objects.length > 0) {
      writeFileSync(path.join(outDir, `${file.name}.yaml`), manifestYaml(file.objects));
      written.push(`${file.name}.yaml`);
    }
    if (file.charts.length > 0) {
      writeFileSync(path.join(outDir, `${file.name}.chart.yaml`), chartYaml(file.charts));
      written.push(`${file.name}.chart.yaml`);
    }
  }
  return written;
}

if (require.main === module) {
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
}
