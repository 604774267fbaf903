/** A digest of what a pod reads, as a pod annotation (`checksum/config`, `checksum/secret`): a change rolls the pod. */
import { createHash } from "node:crypto";

export function checksum(parts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex");
}
