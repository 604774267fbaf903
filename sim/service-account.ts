/**
 * A kubeconfig that acts as a ServiceAccount of the stack (a token from the TokenRequest API), so a
 * process outside the cluster (the user scheduler here; a real hub later) has exactly the rights
 * the rendered RBAC gives that ServiceAccount, no more.
 */
import type { SimCluster } from "./cluster";
import { writeKubeconfig } from "./kubeconfig";

export async function writeServiceAccountKubeconfig(
  cluster: SimCluster,
  namespace: string,
  serviceAccount: string,
  file: string,
  expirationSeconds = 24 * 3600,
): Promise<string> {
  const token = await cluster.client.create<{ status: { token: string } }>(
    `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
    { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds } },
  );
  writeKubeconfig(
    file,
    `system:serviceaccount:${namespace}:${serviceAccount}`,
    {
      server: cluster.client.credentials.server,
      ca: cluster.client.credentials.ca,
      token: token.status.token,
    },
    namespace,
  );
  return file;
}
