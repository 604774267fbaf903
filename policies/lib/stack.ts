/** The stack file a resource belongs to, found from its URN (urn:pulumi:<stack>::<project>::…). */
import path from "node:path";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

export function stackFileForUrn(urn: string): string {
  const stack = urn.split(":")[2] ?? "";
  return path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
}
