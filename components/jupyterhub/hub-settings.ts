/**
 * The hub's settings document: everything jupyterhub_config.py needs, as JSON in a ConfigMap, and
 * the few facts of the deployment the policy pack checks the rendered objects against (it sees
 * only those). The Python is static and only reads this; no secret is ever in it (secrets reach
 * the hub as environment variables from the Kubernetes Secret `hub`, see secret-keys.ts). Its
 * shape is hub-settings-schema.ts, which both sides check.
 */
import { defaultProfile } from "../../config/derived";
import type { PlatformConfig } from "../../config/schema/platform";
import { ACCESS_LABELS, DATABASE, HUB_URL, NAMES, PORTS, PRIORITY_CLASSES } from "../names";
import { mountedVolume } from "../volumes";
import { type HubSettings, hubSettingsProblems, type SpawnerSettings } from "./hub-settings-schema";
import { idleGpuNotifierSettings } from "./notifier-settings";
import { profileSettings } from "./profile-settings";
import { usageSettings } from "./usage-settings";

export type { HubSettings } from "./hub-settings-schema";

export const HUB_CONFIG_DIR = "/usr/local/etc/jupyterhub";
/** OpenID Connect's immutable user id: each hub username stays bound to the one that first used it. */
const SUBJECT_CLAIM = "sub";
/** Where OAuthenticator keeps the userinfo in a user's auth state (its `user_auth_state_key`). */
const USER_AUTH_STATE_KEY = "oauth_user";
export const SETTINGS_FILE = "settings.json";

/** The spawner defaults every profile starts from: the default (CPU) profile, so nothing falls back to a GPU. */
function spawnerSettings(config: PlatformConfig): SpawnerSettings {
  const { storage, singleuser } = config;
  const base = profileSettings(config, defaultProfile(config)).kubespawner_override;
  const volumes = [
    mountedVolume(
      "home",
      { persistentVolumeClaim: { claimName: "{pvc_name}" } },
      { mountPath: storage.home.mountPath },
    ),
    ...(storage.datasets.enabled
      ? [
          mountedVolume(
            "datasets",
            { persistentVolumeClaim: { claimName: NAMES.datasetsVolume, readOnly: true } },
            { mountPath: storage.datasets.mountPath, readOnly: true },
          ),
        ]
      : []),
    ...(storage.scratch.enabled
      ? [
          mountedVolume(
            "scratch",
            { emptyDir: { sizeLimit: storage.scratch.sizeLimit } },
            { mountPath: storage.scratch.mountPath },
          ),
        ]
      : []),
  ];
  return {
    ...base,
    namespace: config.cluster.namespace,
    port: PORTS.singleuser,
    pod_name_template: NAMES.userPodTemplate,
    pvc_name_template: NAMES.userClaimTemplate,
    storage_pvc_ensure: true,
    storage_class: storage.storageClass.name,
    storage_capacity: storage.home.size,
    storage_access_modes: ["ReadWriteMany"],
    volumes: volumes.map(({ volume }) => volume),
    volume_mounts: volumes.map(({ mount }) => mount),
    ...(config.userScheduler.enabled ? { scheduler_name: config.userScheduler.schedulerName } : {}),
    uid: singleuser.uid,
    gid: singleuser.gid,
    fs_gid: singleuser.fsGid,
    // Pod Security "restricted", which the namespace enforces, whatever the image: the pod spec
    // decides, not the image (uid is set, so an image whose USER is root still runs as `uid`).
    allow_privilege_escalation: false,
    container_security_context: {
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    // Also at the pod level, so a container KubeSpawner adds (init_containers, extra_containers) passes too.
    pod_security_context: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    lifecycle_hooks: singleuser.lifecycleHooks,
    environment: singleuser.extraEnv,
    default_url: singleuser.defaultUrl,
    start_timeout: singleuser.startTimeout,
    http_timeout: singleuser.httpTimeout,
    // KubeSpawner gives each API call 3 s and all retries of one create 30 s. With a class starting at
    // once the hub's event loop and the API server's quota admission are busy, and `npm run class`
    // saw claims and pods fail after 30 s of 3-s timeouts; a slow answer is not a refusal.
    k8s_api_request_timeout: 10,
    k8s_api_request_retry_timeout: 120,
    common_labels: {
      app: "jupyterhub",
      "app.kubernetes.io/name": "jupyterhub",
      "app.kubernetes.io/part-of": "gpu-jupyterhub",
      "app.kubernetes.io/managed-by": "kubespawner",
    },
    extra_labels: { [ACCESS_LABELS.toHub]: "true" },
    extra_pod_config: { priorityClassName: PRIORITY_CLASSES.users, enableServiceLinks: false },
    automount_service_account_token: false,
  };
}

/** The document, checked against its schema: a writer that breaks the contract fails here, at render. */
export function hubSettings(config: PlatformConfig): HubSettings {
  const settings = unchecked(config);
  const problems = hubSettingsProblems(settings);
  if (problems.length > 0) {
    throw new Error(`the hub settings do not match hub-settings-schema.ts:\n  ${problems.join("\n  ")}`);
  }
  return settings;
}

function unchecked(config: PlatformConfig): HubSettings {
  const publicUrl = `https://${config.ingress.host}`;
  const { oauth, groups } = config.auth;
  const profiles = [...config.profiles]
    .sort((a, b) => a.order - b.order || a.slug.localeCompare(b.slug))
    .map((profile) => profileSettings(config, profile));
  return {
    namespace: config.cluster.namespace,
    public_url: publicUrl,
    hub: {
      bind_url: `http://:${PORTS.hub}`,
      connect_url: HUB_URL,
      log_level: config.hub.logLevel,
      concurrent_spawn_limit: config.hub.concurrentSpawnLimit,
      active_server_limit: config.hub.activeServerLimit ?? null,
      admin_users: config.hub.extraAdminUsers,
    },
    proxy: {
      api_url: `http://${NAMES.proxyApiService}:${PORTS.proxyApi}`,
      public_service_type: config.ingress.publicServiceType,
    },
    gpu: { runtime_class_name: config.gpuOperator.runtimeClassName },
    database:
      config.database.type === "postgres"
        ? {
            type: "postgres",
            host: NAMES.hubDatabase,
            port: PORTS.postgres,
            name: DATABASE.name,
            user: DATABASE.user,
          }
        : { type: "external" },
    auth: {
      login_service: oauth.loginService,
      client_id: oauth.clientId,
      authorize_url: oauth.authorizeUrl,
      token_url: oauth.tokenUrl,
      userdata_url: oauth.userdataUrl,
      callback_url: `${publicUrl}/hub/oauth_callback`,
      logout_redirect_url: oauth.logoutUrl ?? null,
      scope: oauth.scopes,
      username_claim: oauth.usernameClaim,
      subject_claim: SUBJECT_CLAIM,
      auth_state_groups_key: `${USER_AUTH_STATE_KEY}.${oauth.groupsClaim}`,
      allowed_groups: groups.allowed,
      admin_groups: groups.admin,
      gpu_groups: groups.gpu,
    },
    spawner: spawnerSettings(config),
    profiles,
    culler: {
      enabled: config.culler.enabled,
      timeout: config.culler.timeout,
      every: config.culler.every,
      max_age: config.culler.maxAge,
      remove_named_servers: config.culler.removeNamedServers,
      users: config.culler.users,
      concurrency: 10,
    },
    capacity: {
      enabled: config.hub.capacity.enabled,
      refresh: config.hub.capacity.refresh,
      queue: {
        enabled: config.hub.capacity.queue.enabled,
        offer_window: config.hub.capacity.queue.offerWindow,
      },
    },
    ...idleGpuNotifierSettings(config),
    ...usageSettings(config),
  };
}

/** The document as the ConfigMap holds it: stable key order, so an unchanged config never rolls the hub. */
export function hubSettingsJson(config: PlatformConfig): string {
  return `${JSON.stringify(hubSettings(config), null, 2)}\n`;
}
