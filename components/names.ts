/**
 * Every name and label the platform uses, computed in one place. The runbook in the seed depends
 * on them (`deployment/hub`, `component=singleuser-server`, pods `jupyter-<user>`, PVCs
 * `claim-<user>`), so they are set explicitly instead of Pulumi's auto-naming.
 */
import { createHash } from "node:crypto";

export const NAMES = {
  hub: "hub",
  hubServiceAccount: "hub",
  hubConfigMap: "hub",
  hubCapacity: "hub-capacity",
  hubSecret: "hub",
  hubService: "hub",
  hubDatabase: "hub-db",
  hubDatabaseSecret: "hub-db",
  proxy: "proxy",
  proxyApiService: "proxy-api",
  proxyPublicService: "proxy-public",
  userScheduler: "user-scheduler",
  userSchedulerLock: "user-scheduler-lock",
  ingress: "jupyterhub",
  selfSignedTlsSecret: "jupyterhub-tls",
  nfsProvisioner: "nfs-subdir-external-provisioner",
  /** Cluster-scoped, so named after the provisioner rather than the upstream's generic "nfs-client-…". */
  nfsProvisionerRunner: "nfs-subdir-external-provisioner-runner",
  nfsProvisionerLeaderLock: "leader-locking-nfs-subdir-external-provisioner",
  datasetsVolume: "shared-datasets",
  quota: "jupyterhub-quota",
  limitRange: "jupyterhub-limits",
  migConfigMap: "cps-mig-parted-config",
  devicePluginConfigMap: "cps-device-plugin-config",
  gpuOperatorRelease: "gpu-operator",
  defaultDenyPolicy: "default-deny",
  /** KubeSpawner's templates: the pod and the claim of user alice are jupyter-alice and claim-alice. */
  userPodTemplate: "jupyter-{user_server}",
  userClaimTemplate: "claim-{user_server}",
} as const;

export const PORTS = {
  hub: 8081,
  proxyHttp: 8000,
  proxyApi: 8001,
  /** configurable-http-proxy's Prometheus metrics (--metrics-port), open only to network.metricsScrapers. */
  proxyMetrics: 8002,
  singleuser: 8888,
  postgres: 5432,
  schedulerHealth: 10259,
} as const;

export type Component =
  | "hub"
  | "proxy"
  | "user-scheduler"
  | "singleuser-server"
  | "hub-db"
  | "image-puller"
  | "nfs-provisioner"
  | "backup"
  | "monitoring";

/** Where the proxy and the hub's own settings reach the hub inside the cluster. */
export const HUB_URL = `http://${NAMES.hubService}:${PORTS.hub}`;

/** The in-cluster PostgreSQL's database and role; the hub connects as this role. */
export const DATABASE = { name: "jupyterhub", user: "jupyterhub" } as const;

/**
 * The provisioner name the NFS StorageClass and the provisioner's PROVISIONER_NAME share; the
 * upstream default, so PVs made by an earlier manual install stay recognised.
 */
export const NFS_PROVISIONER_NAME = "k8s-sigs.io/nfs-subdir-external-provisioner";

/** Where CoreDNS runs: user pods and the hub may query it on port 53, nothing else there. */
export const DNS_NAMESPACE = "kube-system";

/**
 * DaemonSet name for the pre-puller of `image`: readable (the repository and tag) and unique (a
 * hash of the full reference), short enough that pod names derived from it stay valid labels.
 */
export function imagePullerName(image: string): string {
  const lastSegment = image.slice(image.lastIndexOf("/") + 1).split("@")[0] ?? image;
  const readable = lastSegment
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return `image-puller-${readable}-${createHash("sha256").update(image).digest("hex").slice(0, 6)}`;
}

/** The seed's labels (app, component) plus the recommended app.kubernetes.io ones. */
export function labels(component: Component, extra: Record<string, string> = {}): Record<string, string> {
  return {
    app: "jupyterhub",
    component,
    "app.kubernetes.io/name": "jupyterhub",
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "gpu-jupyterhub",
    "app.kubernetes.io/managed-by": "pulumi",
    ...extra,
  };
}

/** Labels for objects that belong to the platform but to no JupyterHub component (namespaces, configs). */
export const PLATFORM_LABELS = {
  "app.kubernetes.io/part-of": "gpu-jupyterhub",
  "app.kubernetes.io/managed-by": "pulumi",
} as const;

/** The stable subset used in selectors (selectors must never change on an upgrade). */
export function selectorLabels(component: Component): Record<string, string> {
  return { app: "jupyterhub", component };
}

/** Pod labels that network policies key on, as in z2jh: who may talk to whom. */
export const ACCESS_LABELS = {
  toHub: "hub.jupyter.org/network-access-hub",
  toProxyApi: "hub.jupyter.org/network-access-proxy-api",
  toProxyHttp: "hub.jupyter.org/network-access-proxy-http",
  toSingleuser: "hub.jupyter.org/network-access-singleuser",
} as const;

/**
 * The notebook profile a user pod was started with (its slug), set by the profile's
 * `kubespawner_override.extra_labels`; kube-state-metrics carries it in `kube_pod_labels` as
 * `label_gpu_jupyterhub_profile` (PROFILE_LABEL_METRIC), which the GPU-per-profile rule joins on.
 */
export const PROFILE_LABEL = "gpu-jupyterhub/profile";
export const PROFILE_LABEL_METRIC = "label_gpu_jupyterhub_profile";

/** The priority classes, platform pods above user pods. */
export const PRIORITY_CLASSES = {
  platform: "jupyterhub-platform-critical",
  users: "jupyterhub-user",
} as const;
