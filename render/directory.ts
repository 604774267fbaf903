/**
 * A render as a folder of files, as `npm run render` writes it: one YAML file per component (its
 * objects, in apply order) and one `.chart.yaml` per component with Helm charts; read back by name.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { displayPath } from "../cli/command";
import type { PlatformConfig } from "../config/schema/platform";
import { collectPlatform } from "./collect";
import { RenderReadError } from "./diff";
import { chartYaml, manifestYaml, renderFiles } from "./manifests";

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

/** The rendered files (`*.yaml`) of a folder. */
export function readRenderedDir(dir: string): Map<string, string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new RenderReadError(`${displayPath(dir)} is not a folder of rendered files`);
  }
  return new Map(
    readdirSync(dir)
      .filter((file) => file.endsWith(".yaml"))
      .sort()
      .map((file) => [file, readFileSync(path.join(dir, file), "utf8")]),
  );
}
