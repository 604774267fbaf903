import type { StackValidationPolicy } from "@pulumi/policy";
import { containersOf, type Props, podSpecOf, TYPES, workloadName } from "../lib/workloads";

/** Values shorter than this are too likely to occur by chance (ports, "true"). */
const MIN_SECRET_LENGTH = 8;

function secretValues(props: Props): string[] {
  const values: string[] = Object.values(props.stringData ?? {}).map(String);
  for (const encoded of Object.values(props.data ?? {}))
    values.push(Buffer.from(String(encoded), "base64").toString("utf8"));
  return values.filter((value) => value.length >= MIN_SECRET_LENGTH);
}

/** A Secret's value must not also sit in a ConfigMap or a literal env var, where anyone with read access sees it. */
export const forbidSecretsInPlainText: StackValidationPolicy = {
  name: "gpu-jupyterhub-forbid-secrets-in-plain-text",
  description: "No Secret value appears in a ConfigMap or in a container's literal environment variable.",
  validateStack: (args, report) => {
    const secrets = args.resources
      .filter((resource) => resource.type === TYPES.secret)
      .flatMap((r) => secretValues(r.props));
    if (secrets.length === 0) return;
    const leaks = (text: string) => secrets.some((secret) => text.includes(secret));
    for (const resource of args.resources) {
      if (resource.type === TYPES.configMap) {
        for (const [key, value] of Object.entries(resource.props.data ?? {})) {
          if (leaks(String(value)))
            report(`ConfigMap ${workloadName(resource.props)} key "${key}" contains a Secret's value`);
        }
      }
      const spec = podSpecOf(resource.type, resource.props);
      for (const { container } of spec ? containersOf(spec) : []) {
        for (const env of container.env ?? []) {
          if (typeof env.value === "string" && leaks(env.value)) {
            report(
              `${workloadName(resource.props)}: env ${env.name} of "${container.name}" contains a Secret's value`,
            );
          }
        }
      }
    }
  },
};
