/**
 * Stands in for the ingress controller's status writer, which the simulated cluster lacks: a real
 * controller (Traefik in k3s, ingress-nginx on the CPS cluster) writes the address it serves an
 * Ingress on into `status.loadBalancer.ingress`, and `pulumi up` waits for that before it calls an
 * Ingress created. This writes 127.0.0.1 (where the simulated cluster lives) for every Ingress of
 * any class that has no address yet, through the status subresource, as a controller does.
 */
import type { KubeClient } from "./kube-client";

export const INGRESS_ADDRESS = "127.0.0.1";

interface Ingress {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export class IngressStatusWriter {
  constructor(
    private readonly client: KubeClient,
    private readonly log: (line: string) => void,
  ) {}

  async onIngress(ingress: Ingress): Promise<void> {
    if ((ingress.status?.loadBalancer?.ingress ?? []).length > 0) return;
    const { namespace, name } = ingress.metadata;
    await this.client.mergePatch(
      `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses/${name}/status`,
      {
        status: { loadBalancer: { ingress: [{ ip: INGRESS_ADDRESS }] } },
      },
    );
    this.log(`ingress ${namespace}/${name}: load balancer address ${INGRESS_ADDRESS}`);
  }

  run(signal: AbortSignal): Promise<void> {
    return this.client.watch<Ingress>(
      "/apis/networking.k8s.io/v1/ingresses",
      async (event) => {
        if (event.type === "ADDED" || event.type === "MODIFIED")
          await this.onIngress(event.object).catch((error: unknown) =>
            this.log(`ingress ${event.object.metadata.name}: ${(error as Error).message}`),
          );
      },
      signal,
    );
  }
}
