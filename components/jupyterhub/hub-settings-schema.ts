/**
 * The hub settings document's schema: the contract between the TypeScript that writes it
 * (hub-settings.ts, profile-settings.ts) and the Python that reads it (hub/jupyterhub_config.py,
 * hub/profile_culler.py). The writer's types are inferred from it and every rendered document is
 * checked against it; the hub checks the document against the JSON Schema generated from it
 * (hub/settings.schema.json, mounted beside the Python), so a field renamed on either side fails
 * a test instead of reaching the hub as a silent None.
 *
 * Objects are strict: a field one side does not know is as wrong as a missing one. Values that are
 * Kubernetes objects passed through to KubeSpawner (volumes, security context, hooks) are only
 * checked to be objects; their shape is Kubernetes's to validate.
 */
import { z } from "zod";
import { usageSettingsSchema } from "./usage-settings";

const quantities = z.record(z.string(), z.string());
const kubernetesObject = z.record(z.string(), z.unknown());

// Read-only arrays, as config/placement.ts makes them.
const nodeSelectorTermSchema = z
  .strictObject({
    matchExpressions: z
      .array(
        z.strictObject({
          key: z.string(),
          operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
          values: z.array(z.string()).readonly().optional(),
        }),
      )
      .readonly(),
  })
  .meta({ id: "NodeSelectorTerm" });

/** The KubeSpawner traits that give a pod GPUs: all four, or none. */
export const gpuOverrideSchema = z
  .strictObject({
    extra_resource_limits: quantities,
    extra_resource_guarantees: quantities,
    extra_pod_config: z.strictObject({ runtimeClassName: z.string() }),
    node_affinity_required: z.array(nodeSelectorTermSchema).readonly(),
  })
  .meta({ id: "GpuOverride" });

const resourceTraits = {
  image: z.string(),
  cpu_guarantee: z.number().positive(),
  cpu_limit: z.number().positive(),
  mem_guarantee: z.number().int().positive(),
  mem_limit: z.number().int().positive(),
};

const optionalGpuTraits = gpuOverrideSchema.partial().shape;

/** A profile's `kubespawner_override`: its image and resources, its label, and its GPUs if it has any. */
export const kubespawnerOverrideSchema = z.strictObject({
  ...resourceTraits,
  extra_labels: z
    .record(z.string(), z.string())
    .describe("Merged by KubeSpawner into the spawner's extra_labels: the profile's label."),
  ...optionalGpuTraits,
});

export const profileSettingsSchema = z.strictObject({
  slug: z.string(),
  display_name: z.string(),
  description: z.string(),
  default: z.boolean(),
  order: z.number().int(),
  groups: z.array(z.string()).describe("Who may use it; admins always may."),
  summary: z.string().describe('What the card shows: "1× GPU • 16 vCPU • 64 GiB".'),
  gpu: z.strictObject({
    kind: z.enum(["none", "full", "mig"]),
    count: z.number().int().min(0),
    resource: z.string().optional(),
  }),
  idle_timeout: z.number().int().positive().optional(),
  max_runtime: z.number().int().positive().optional(),
  compute_units_per_hour: z.number(),
  kubespawner_override: kubespawnerOverrideSchema,
  custom_image: z
    .strictObject({
      image_pattern: z.string(),
      default_image: z.string(),
      allowed_registries: z
        .array(z.string())
        .min(1)
        .describe("Registry hosts, with optional paths, a typed image must come from (hub.customImage)."),
      max_gpus: z.number().int().min(0),
      gpu_overrides: z.record(z.string(), gpuOverrideSchema).describe("GPU count → its override."),
    })
    .optional()
    .describe("Admins' custom image: the image pattern the hub enforces and the override per GPU count."),
});

/** KubeSpawner traits every server starts from (the default profile's resources), set one by one. */
export const spawnerSettingsSchema = z.strictObject({
  ...resourceTraits,
  ...optionalGpuTraits,
  namespace: z.string(),
  port: z.number().int(),
  pod_name_template: z.string(),
  pvc_name_template: z.string(),
  storage_pvc_ensure: z.boolean(),
  storage_class: z.string(),
  storage_capacity: z.string(),
  storage_access_modes: z.array(z.string()),
  volumes: z.array(kubernetesObject),
  volume_mounts: z.array(kubernetesObject),
  scheduler_name: z.string().optional(),
  uid: z.number().int(),
  gid: z.number().int(),
  fs_gid: z.number().int(),
  allow_privilege_escalation: z.boolean(),
  container_security_context: kubernetesObject,
  pod_security_context: kubernetesObject,
  lifecycle_hooks: kubernetesObject,
  environment: z.record(z.string(), z.string()),
  default_url: z.string(),
  start_timeout: z.number().int(),
  http_timeout: z.number().int(),
  k8s_api_request_timeout: z.number().int(),
  k8s_api_request_retry_timeout: z.number().int(),
  common_labels: z.record(z.string(), z.string()),
  extra_labels: z.record(z.string(), z.string()),
  extra_pod_config: kubernetesObject,
  automount_service_account_token: z.boolean(),
});

export const hubSettingsSchema = z.strictObject({
  namespace: z.string(),
  public_url: z.string(),
  hub: z.strictObject({
    bind_url: z.string(),
    connect_url: z.string(),
    log_level: z.string(),
    concurrent_spawn_limit: z.number().int(),
    active_server_limit: z.number().int().nullable(),
    admin_users: z.array(z.string()),
  }),
  proxy: z.strictObject({
    api_url: z.string(),
    public_service_type: z
      .enum(["ClusterIP", "LoadBalancer", "NodePort"])
      .describe("Type of Service proxy-public (ingress.publicServiceType); read by the policy pack."),
  }),
  gpu: z.strictObject({
    runtime_class_name: z
      .string()
      .describe(
        "RuntimeClass of every pod with a GPU (gpuOperator.runtimeClassName); read by the policy pack.",
      ),
  }),
  database: z.discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("postgres"),
      host: z.string(),
      port: z.number().int(),
      name: z.string(),
      user: z.string(),
    }),
    z.strictObject({ type: z.literal("external") }),
  ]),
  auth: z.strictObject({
    login_service: z.string().describe('The provider\'s name on the login button ("Sign in with …").'),
    client_id: z.string(),
    authorize_url: z.string(),
    token_url: z.string(),
    userdata_url: z.string(),
    callback_url: z.string(),
    logout_redirect_url: z
      .string()
      .nullable()
      .describe("The provider's end-session URL: logging out of the hub ends the provider's session too."),
    scope: z.array(z.string()),
    username_claim: z.string(),
    subject_claim: z
      .string()
      .describe(
        "The immutable claim a username stays bound to (auth state `oauth_user`), whatever username_claim is.",
      ),
    auth_state_groups_key: z.string(),
    allowed_groups: z.array(z.string()),
    admin_groups: z.array(z.string()),
    gpu_groups: z.array(z.string()),
  }),
  spawner: spawnerSettingsSchema,
  profiles: z.array(profileSettingsSchema),
  culler: z.strictObject({
    enabled: z.boolean(),
    timeout: z.number().int(),
    every: z.number().int(),
    max_age: z.number().int().min(0),
    remove_named_servers: z.boolean(),
    users: z.boolean(),
    concurrency: z.number().int().positive(),
  }),
  capacity: z
    .strictObject({
      enabled: z.boolean(),
      refresh: z.number().int().positive().describe("Seconds between the spawn page's updates."),
      queue: z.strictObject({
        enabled: z.boolean(),
        offer_window: z.number().int().positive().describe("Seconds to start once a place is offered."),
      }),
    })
    .describe("Live free places per profile (hub/live_capacity.py)."),
  idle_gpu_notifier: z
    .strictObject({
      prometheus_url: z.string(),
      every: z.number().int(),
      stop_after: z.number().int().describe("Seconds after the email; 0: never stop."),
      smtp_host: z.string(),
      smtp_port: z.number().int(),
      smtp_from: z.string(),
      smtp_starttls: z.boolean(),
      smtp_user: z
        .string()
        .optional()
        .describe("Login name at the relay; the password is in env IDLE_GPU_NOTIFIER_SMTP_PASSWORD."),
      subject: z
        .string()
        .optional()
        .describe(
          "The email's subject, a str.format template (monitoring.notifier.email); absent: the notifier's own.",
        ),
      body: z
        .string()
        .optional()
        .describe("The email's text, a str.format template; absent: the notifier's own."),
    })
    .optional()
    .describe("The idle-GPU notifier service (monitoring.notifier), absent when it is off."),
  usage: usageSettingsSchema
    .optional()
    .describe("Usage accounting and budgets (the stack's usage section), absent when it is off."),
});

export type HubSettings = z.output<typeof hubSettingsSchema>;
export type ProfileSettings = z.output<typeof profileSettingsSchema>;
export type GpuOverride = z.output<typeof gpuOverrideSchema>;
export type KubespawnerOverride = z.output<typeof kubespawnerOverrideSchema>;
export type SpawnerSettings = z.output<typeof spawnerSettingsSchema>;

/** The problems of a document that does not match, one `path: message` each; [] when it does. */
export function hubSettingsProblems(document: unknown): string[] {
  const result = hubSettingsSchema.safeParse(document);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join(".") || "(document)"}: ${issue.message}`);
}

/** The JSON Schema the hub's Python checks the document against (hub/settings.schema.json). */
function hubSettingsJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(hubSettingsSchema, { io: "output" }) as Record<string, unknown>),
    title: "The hub settings document (settings.json in ConfigMap hub)",
    description:
      "Generated from components/jupyterhub/hub-settings-schema.ts; do not edit. The hub checks settings.json against it when it loads (hub/hub_settings.py).",
  };
}

/** The committed file's text: stable formatting, so the test can compare it byte for byte. */
export function hubSettingsJsonSchemaText(): string {
  return `${JSON.stringify(hubSettingsJsonSchema(), null, 2)}\n`;
}
