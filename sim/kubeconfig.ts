/**
 * Kubeconfig files for the simulated cluster, with the certificates embedded (so a kubeconfig
 * works on its own, for kubectl, KubeSpawner's kubernetes_asyncio or a test), and the reverse:
 * credentials for KubeClient from a kubeconfig file.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import type { Credentials } from "./kube-client";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const unb64 = (text: string) => Buffer.from(text, "base64").toString("utf8");

export const CONTEXT = "gpu-jupyterhub-sim";

export function kubeconfigYaml(user: string, credentials: Credentials, namespace?: string): string {
  const auth: Record<string, string> = {};
  if (credentials.cert && credentials.key) {
    auth["client-certificate-data"] = b64(credentials.cert);
    auth["client-key-data"] = b64(credentials.key);
  }
  if (credentials.token) auth.token = credentials.token;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: CONTEXT,
        cluster: { server: credentials.server, "certificate-authority-data": b64(credentials.ca) },
      },
    ],
    users: [{ name: user, user: auth }],
    contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user, ...(namespace ? { namespace } : {}) } }],
    "current-context": CONTEXT,
  });
}

export function writeKubeconfig(file: string, user: string, credentials: Credentials, namespace?: string) {
  writeFileSync(file, kubeconfigYaml(user, credentials, namespace), { mode: 0o600 });
}

interface KubeconfigFile {
  clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  users: { user: { "client-certificate-data"?: string; "client-key-data"?: string; token?: string } }[];
}

/** Credentials from a kubeconfig this module wrote (first cluster and user). */
export function readKubeconfig(file: string): Credentials {
  const config = parse(readFileSync(file, "utf8")) as KubeconfigFile;
  const cluster = config.clusters[0]?.cluster;
  const user = config.users[0]?.user;
  if (!cluster || !user) throw new Error(`${file}: no cluster or user`);
  return {
    server: cluster.server,
    ca: unb64(cluster["certificate-authority-data"]),
    ...(user["client-certificate-data"] ? { cert: unb64(user["client-certificate-data"]) } : {}),
    ...(user["client-key-data"] ? { key: unb64(user["client-key-data"]) } : {}),
    ...(user.token ? { token: user.token } : {}),
  };
}
