/**
 * A user's server as KubeSpawner 7 creates it, built from the hub settings document (the `hub`
 * ConfigMap's settings.json): the spawner defaults with the profile's kubespawner_override applied
 * the way KubeSpawner applies it (dicts merged recursively, anything else replaced), then the claim
 * (get_pvc_manifest/make_pvc) and the pod (get_pod_manifest/make_pod): requests from cpu/mem
 * guarantee and extra_resource_guarantees, limits from cpu/mem limit and extra_resource_limits,
 * runtimeClassName and priorityClassName from extra_pod_config, required node affinity, the
 * scheduler name, labels, volumes with {pvc_name} expanded, security contexts.
 * test/sim/kubespawner.test.ts checks them against KubeSpawner's own for every profile. Not built:
 * the container's environment beyond a few variables (the hub's token and URLs), the version
 * annotations, profile_options choices other than the defaults. User names here are already safe
 * slugs, so KubeSpawner's escaping never applies.
 */
import type { HubSettings } from "../components/jupyterhub/hub-settings";
import type { KubeClient } from "./kube-client";

type Json = Record<string, unknown>;

/** KubeSpawner's utils.recursive_update: dicts merge, None deletes, anything else replaces. */
export function recursiveUpdate(target: Json, changes: Json): Json {
  for (const [key, value] of Object.entries(changes)) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const current = target[key];
      target[key] =
        current && typeof current === "object" && !Array.isArray(current) ? { ...(current as Json) } : {};
      recursiveUpdate(target[key] as Json, value as Json);
    } else if (value === null) {
      delete target[key];
    } else {
      target[key] = value;
    }
  }
  return target;
}

/** The spawner's traits once `slug` is picked (KubeSpawner._load_profile → _apply_overrides). */
export function spawnerFor(settings: HubSettings, slug: string): Json {
  const profile = settings.profiles.find((candidate) => candidate.slug === slug);
  if (!profile) throw new Error(`no profile "${slug}" in the hub settings`);
  return recursiveUpdate(
    structuredClone(settings.spawner) as Json,
    structuredClone(profile.kubespawner_override),
  );
}

/** KubeSpawner's _expand_all: {field} templates in every string. */
function expand(value: unknown, names: Record<string, string>): unknown {
  if (typeof value === "string") return value.replace(/\{(\w+)\}/g, (all, key: string) => names[key] ?? all);
  if (Array.isArray(value)) return value.map((item) => expand(item, names));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expand(item, names)]));
  return value;
}

const present = (value: unknown) => value !== undefined && value !== null;
const nonEmpty = (value: unknown) =>
  Array.isArray(value) ? value.length > 0 : Boolean(value && Object.keys(value as Json).length > 0);

/** What the claim and the pod share: the traits, the template names, the labels. */
interface Context {
  readonly traits: Json;
  readonly user: string;
  readonly names: Record<string, string>;
  /** _build_common_labels(extra): username, then the extra labels, then common_labels. */
  readonly labels: (extra: unknown) => Json;
  readonly annotations: Record<string, string>;
}

function context(settings: HubSettings, slug: string, user: string): Context {
  const traits = spawnerFor(settings, slug);
  const names: Record<string, string> = {
    username: user,
    user_server: user,
    servername: "",
    unescaped_username: user,
  };
  names.pod_name = String(expand(traits.pod_name_template ?? "jupyter-{user_server}", names));
  names.pvc_name = String(expand(traits.pvc_name_template ?? "claim-{user_server}", names));
  names.namespace = String(traits.namespace);
  return {
    traits,
    user,
    names,
    labels: (extra) => ({
      "hub.jupyter.org/username": user,
      ...(expand(extra ?? {}, names) as Json),
      ...((traits.common_labels as Json | undefined) ?? {}),
    }),
    annotations: { "hub.jupyter.org/username": user },
  };
}

/** get_pvc_manifest: the home claim, labelled with storage_extra_labels. */
function claimManifest({ traits: s, names, labels, annotations }: Context) {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: names.pvc_name as string,
      labels: {
        ...labels(s.storage_extra_labels),
        "app.kubernetes.io/component": "singleuser-server",
        component: "singleuser-storage",
      },
      annotations: {
        ...annotations,
        ...(s.storage_class ? { "volume.beta.kubernetes.io/storage-class": s.storage_class } : {}),
      },
    },
    spec: {
      accessModes: s.storage_access_modes,
      resources: { requests: { storage: s.storage_capacity } },
      ...(s.storage_class ? { storageClassName: s.storage_class } : {}),
    },
  };
}

/** make_pod's notebook container. */
function notebookContainer({ traits: s, user, names }: Context): Json {
  const requests: Json = {};
  if (s.cpu_guarantee) requests.cpu = String(s.cpu_guarantee);
  if (s.mem_guarantee) requests.memory = String(s.mem_guarantee);
  Object.assign(requests, s.extra_resource_guarantees ?? {});
  const limits: Json = {};
  if (s.cpu_limit) limits.cpu = String(s.cpu_limit);
  if (s.mem_limit) limits.memory = String(s.mem_limit);
  Object.assign(limits, s.extra_resource_limits ?? {});
  const security: Json = {};
  if (present(s.uid)) security.runAsUser = Number(s.uid);
  if (present(s.gid)) security.runAsGroup = Number(s.gid);
  if (present(s.allow_privilege_escalation)) security.allowPrivilegeEscalation = s.allow_privilege_escalation;
  Object.assign(security, s.container_security_context ?? {});
  const env = Object.entries({
    ...((s.environment as Json | undefined) ?? {}),
    JUPYTERHUB_USER: user,
    JUPYTER_IMAGE: String(s.image),
    JUPYTER_IMAGE_SPEC: String(s.image),
  })
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value: String(expand(value, names)) }));
  return {
    name: "notebook",
    image: s.image,
    ports: [{ name: "notebook-port", containerPort: s.port }],
    env,
    ...(nonEmpty(s.lifecycle_hooks) ? { lifecycle: s.lifecycle_hooks } : {}),
    resources: { requests, limits },
    volumeMounts: expand(s.volume_mounts ?? [], names),
    ...(nonEmpty(security) ? { securityContext: security } : {}),
  };
}

/** make_pod's pod spec; extra_pod_config is merged in last, as make_pod does. */
function podSpec(context: Context, schedulerName?: string): Json {
  const { traits: s, names } = context;
  const podSecurity: Json = {};
  if (present(s.fs_gid)) podSecurity.fsGroup = Number(s.fs_gid);
  Object.assign(podSecurity, s.pod_security_context ?? {});
  const scheduler = schedulerName ?? s.scheduler_name;
  const spec: Json = {
    restartPolicy: "OnFailure",
    ...(nonEmpty(podSecurity) ? { securityContext: podSecurity } : {}),
    containers: [notebookContainer(context)],
    automountServiceAccountToken: s.automount_service_account_token ?? false,
    volumes: expand(s.volumes ?? [], names),
    ...(scheduler ? { schedulerName: scheduler } : {}),
    ...(nonEmpty(s.node_affinity_required)
      ? {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: s.node_affinity_required },
            },
          },
        }
      : {}),
    ...(nonEmpty(s.tolerations) ? { tolerations: s.tolerations } : {}),
    ...(nonEmpty(s.node_selector) ? { nodeSelector: s.node_selector } : {}),
  };
  return recursiveUpdate(spec, expand(s.extra_pod_config ?? {}, names) as Json);
}

export interface UserServer {
  readonly user: string;
  readonly slug: string;
  readonly claim: Json & { metadata: { name: string } };
  readonly pod: Json & { metadata: { name: string }; spec: Json };
}

export interface ServerOptions {
  /** Another scheduler than the settings' (e.g. "default-scheduler", to compare placements). */
  readonly schedulerName?: string;
}

/** The claim and the pod KubeSpawner creates when `user` starts a server with profile `slug`. */
export function userServer(
  settings: HubSettings,
  slug: string,
  user: string,
  options: ServerOptions = {},
): UserServer {
  if (!/^[a-z][a-z0-9-]{0,46}$/.test(user))
    throw new Error(`user name "${user}" would need KubeSpawner's escaping`);
  const ctx = context(settings, slug, user);
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: ctx.names.pod_name as string,
      labels: {
        ...ctx.labels(ctx.traits.extra_labels),
        "app.kubernetes.io/component": "singleuser-server",
        component: "singleuser-server",
        "hub.jupyter.org/servername": "",
      },
      annotations: ctx.annotations,
    },
    spec: podSpec(ctx, options.schedulerName),
  };
  return { user, slug, claim: claimManifest(ctx), pod };
}

/** The hub settings the cluster holds: the `hub` ConfigMap's settings.json. */
export async function hubSettingsFrom(
  client: KubeClient,
  namespace: string,
  configMap = "hub",
): Promise<HubSettings> {
  const found = await client.get<{ data: Record<string, string> }>(
    `/api/v1/namespaces/${namespace}/configmaps/${configMap}`,
  );
  const text = found.data["settings.json"];
  if (!text) throw new Error(`ConfigMap ${namespace}/${configMap} has no settings.json`);
  return JSON.parse(text) as HubSettings;
}
