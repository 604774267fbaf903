/** The JupyterHub layer: hub, proxy, user scheduler, culler, database and user-pod defaults. */
import { z } from "zod";
import {
  cpuQuantity,
  dnsLabel,
  lifecycleHandler,
  MIN_TIMEOUT_SECONDS,
  memoryQuantity,
  pinnedImage,
  registryPrefix,
  seconds,
  storageQuantity,
  timeoutSeconds,
} from "./common";

const resources = (cpu: [string, string], memory: [string, string]) =>
  z
    .strictObject({
      cpu: z
        .strictObject({ request: cpuQuantity, limit: cpuQuantity })
        .prefault({ request: cpu[0], limit: cpu[1] }),
      memory: z
        .strictObject({ request: memoryQuantity, limit: memoryQuantity })
        .prefault({ request: memory[0], limit: memory[1] }),
    })
    .prefault({});

/** The Jupyter Docker Stacks (on quay.io and Docker Hub) and the customer's own registry (the seed's). */
export const DEFAULT_CUSTOM_IMAGE_REGISTRIES = [
  "quay.io/jupyter",
  "docker.io/jupyter",
  "registry.cps.unileoben.ac.at",
] as const;

export const hubSchema = z
  .strictObject({
    image: pinnedImage.default("quay.io/jupyterhub/k8s-hub:4.4.0"),
    resources: resources(["1", "4"], ["2Gi", "8Gi"]),
    logLevel: z.enum(["DEBUG", "INFO", "WARNING", "ERROR"]).default("INFO"),
    concurrentSpawnLimit: z.number().int().min(1).default(64),
    activeServerLimit: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Most running servers at once (unset: no limit)."),
    extraAdminUsers: z
      .array(z.string())
      .default([])
      .describe("Usernames that are admins whatever their groups."),
    customImage: z
      .strictObject({
        allowedRegistries: z
          .array(registryPrefix)
          .min(1, {
            message:
              "list at least one registry; to offer no custom images, remove customImage from the profiles",
          })
          .default([...DEFAULT_CUSTOM_IMAGE_REGISTRIES])
          .describe(
            "Where an admin's custom image may come from: registry hosts, each with an optional path (\"quay.io/jupyter\" allows quay.io/jupyter/…, not quay.io/jupyterx/…). Images without a host are Docker Hub's (docker.io). The hub refuses any other image with 400.",
          ),
      })
      .prefault({})
      .describe("The admins' custom-image card (a profile with customImage)."),
    capacity: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            "Show free places on each card and refuse a start of a full profile at once (the hub watches nodes, its namespace's pods, quota and claims).",
          ),
        refresh: seconds
          .min(2)
          .default(10)
          .describe("How often the spawn page asks for new figures, in seconds."),
        queue: z
          .strictObject({
            enabled: z
              .boolean()
              .default(false)
              .describe("Let users wait in a first-come line for a full GPU profile."),
            offerWindow: seconds
              .min(30)
              .default(300)
              .describe("Seconds the first in line has to start once a place is theirs."),
          })
          .prefault({}),
      })
      .prefault({})
      .describe('The spawn page\'s live capacity (docs/capacity.md, "Free places on the spawn page").'),
  })
  .prefault({});

export const proxySchema = z
  .strictObject({
    image: pinnedImage.default("quay.io/jupyterhub/configurable-http-proxy:5.1.0"),
    resources: resources(["200m", "1"], ["256Mi", "1Gi"]),
  })
  .prefault({});

export const userSchedulerSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe("Pack user pods onto the fewest nodes (keeps whole nodes free)."),
    replicas: z.number().int().min(1).max(5).default(2),
    image: pinnedImage.default("registry.k8s.io/kube-scheduler:v1.33.4"),
    schedulerName: dnsLabel.default("jupyterhub-user-scheduler"),
    namespace: dnsLabel
      .default("jupyterhub-scheduler")
      .describe(
        "Namespace of the user scheduler: not the hub's, where a pod the hub creates could use its account's cluster-wide scheduling rights.",
      ),
    resources: resources(["100m", "1"], ["256Mi", "512Mi"]),
  })
  .prefault({});

export const cullerSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    timeout: timeoutSeconds(
      "would stop every server at the culler's next pass (jupyterhub-idle-culler counts a server idle for 0s as idle); to turn culling off, set enabled: false",
    )
      .default(3600)
      .describe("Stop servers idle this long (at least 600)."),
    every: seconds.min(60).default(600).describe("How often the culler looks."),
    maxAge: seconds
      .refine((value) => value === 0 || value >= MIN_TIMEOUT_SECONDS, {
        message: `must be 0 (no maximum) or at least ${MIN_TIMEOUT_SECONDS} seconds: a shorter maximum stops servers while they start`,
      })
      .default(28800)
      .describe("Stop servers this old however busy (0: never; else at least 600)."),
    removeNamedServers: z.boolean().default(true),
    users: z.boolean().default(false).describe("Also delete idle users from the hub database."),
  })
  .prefault({});

export const databaseSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("postgres"),
      image: pinnedImage.default("docker.io/library/postgres:16.6"),
      storageClass: z
        .string()
        .optional()
        .describe("StorageClass for the database volume (default: the cluster default)."),
      size: storageQuantity.default("10Gi"),
      resources: resources(["250m", "2"], ["512Mi", "2Gi"]),
    }),
    z.strictObject({
      type: z.literal("external"),
      urlSecretKey: z
        .string()
        .default("databaseUrl")
        .describe("Pulumi secret config key that holds the database URL (with its password)."),
    }),
  ])
  .prefault({ type: "postgres" });

export const singleuserSchema = z
  .strictObject({
    uid: z.number().int().min(1).default(1000).describe("Notebook user id; never 0."),
    gid: z.number().int().min(0).default(100),
    fsGid: z.number().int().min(0).default(100),
    defaultUrl: z.string().default("/lab"),
    startTimeout: seconds
      .default(600)
      .describe("Seconds a pod may take to start (image pulls of GPU images)."),
    httpTimeout: seconds
      .min(1)
      .default(120)
      .describe(
        "Seconds the hub waits for a started server to answer once its pod runs (KubeSpawner http_timeout).",
      ),
    lifecycleHooks: z
      .strictObject({ postStart: lifecycleHandler.optional(), preStop: lifecycleHandler.optional() })
      .default({}),
    extraEnv: z.record(z.string(), z.string()).default({}),
  })
  .prefault({});

export const prePullSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    pauseImage: pinnedImage.default("registry.k8s.io/pause:3.10"),
    extraImages: z.array(pinnedImage).default([]).describe("More images to keep on every node."),
  })
  .prefault({})
  .describe("Keep notebook images on the nodes that run them, so a first start does not wait for a pull.");
