/**
 * Deployed with server-side apply instead of the engine, the stack's Secrets hold the render's
 * `<secret>` marker where @pulumi/random would have put a value. The live platform needs working
 * credentials, so each marker is replaced by 32 random bytes in hex (valid for every credential:
 * proxy token, cookie secret, crypt key, OAuth client secret, database password). An engine deploy
 * has real values already and is left untouched.
 */
import { randomBytes } from "node:crypto";
import { SECRET_MARKER } from "../../render/collect";
import type { KubeClient } from "../kube-client";

interface Secret {
  metadata: { name: string };
  data?: Record<string, string>;
}

/** Returns the names of the Secrets it filled. */
export async function fillMarkedSecrets(client: KubeClient, namespace: string): Promise<string[]> {
  const marker = Buffer.from(SECRET_MARKER).toString("base64");
  const filled: string[] = [];
  for (const secret of await client.list<Secret>(`/api/v1/namespaces/${namespace}/secrets`)) {
    const marked = Object.entries(secret.data ?? {}).filter(([, value]) => value === marker);
    if (marked.length === 0) continue;
    const data = Object.fromEntries(
      marked.map(([key]) => [key, Buffer.from(randomBytes(32).toString("hex")).toString("base64")]),
    );
    await client.call(
      "PATCH",
      `/api/v1/namespaces/${namespace}/secrets/${secret.metadata.name}`,
      { data },
      "application/merge-patch+json",
    );
    filled.push(secret.metadata.name);
  }
  return filled;
}
