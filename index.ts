/**
 * The Pulumi program: load and validate the platform config, then build the platform from it.
 * A config mistake ends the run before any resource is registered, with file:line:col messages.
 */
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { formatIssue } from "./config/issues";
import { loadPlatformConfig } from "./config/load";

const stack = pulumi.getStack();
const loaded = loadPlatformConfig({ stackFile: path.join(__dirname, `Pulumi.${stack}.yaml`) });
const deploying = !pulumi.runtime.isDryRun();
const errors = loaded.issues.filter((issue) => issue.severity === "error" || deploying);
if (errors.length > 0 || !loaded.config) {
  throw new pulumi.RunError(
    [`The config of stack "${stack}" has ${errors.length} problem(s); nothing was deployed:`]
      .concat(errors.map(formatIssue))
      .join("\n"),
  );
}
for (const issue of loaded.issues) pulumi.log.warn(`needed before \`pulumi up\`: ${formatIssue(issue)}`);
const config = loaded.config;

export const namespace = config.cluster.namespace;
export const hubUrl = `https://${config.ingress.host}`;
export const profileSlugs = config.profiles.map((profile) => profile.slug);
