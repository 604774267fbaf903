/** One notebook profile: one file under config/profiles/, edited by course staff. */
import { z } from "zod";
import {
  cpuQuantity,
  dnsLabel,
  memoryQuantity,
  notebookImage,
  quantityAtLeast,
  timeoutSeconds,
} from "./common";

/** Below these a notebook server cannot start: JupyterLab and one Python kernel need about 200Mi. */
const NOTEBOOK_MEMORY_LIMIT = {
  value: 256 * 2 ** 20,
  text: "256Mi",
  why: "JupyterLab and one Python kernel need about 200Mi, so the server would be killed (OOM) as it starts",
};
const NOTEBOOK_CPU_LIMIT = {
  value: 0.1,
  text: "100m",
  why: "with less than a tenth of a core JupyterLab does not start within the spawn timeout",
};

/** A field's meaning and examples: the editor's hover text and docs/profiles.md's field table. */
interface FieldDoc {
  readonly description: string;
  readonly examples: readonly unknown[];
}

const guaranteeAndLimit = <G extends z.ZodType, L extends z.ZodType>(
  guarantee: G,
  limit: L,
  docs: { guarantee: FieldDoc; limit: FieldDoc },
) =>
  z.strictObject({
    guarantee: guarantee.meta({ ...docs.guarantee, examples: [...docs.guarantee.examples] }),
    limit: limit.meta({ ...docs.limit, examples: [...docs.limit.examples] }),
  });

const CPU_DOCS = {
  guarantee: {
    description:
      "CPU cores reserved for the user: the scheduler places the server only where this much is free. More than 0.",
    examples: ["8", "0.5", "500m"],
  },
  limit: {
    description: "Cores the user may burst to. At least the guarantee, and at least `100m`.",
    examples: ["16"],
  },
};
const MEMORY_DOCS = {
  guarantee: { description: "Memory reserved for the user, with a unit. More than 0.", examples: ["32Gi"] },
  limit: {
    description:
      "Memory the user may use; above it the kernel is killed (OOM). At least the guarantee, and at least `256Mi`.",
    examples: ["64Gi"],
  },
};

export const gpuRequestSchema = z
  .strictObject({
    count: z
      .number()
      .int()
      .min(1, { message: "must be 1 or more full GPUs (leave `gpu` out for a CPU profile)" })
      .max(16)
      .optional()
      .meta({ description: "Whole GPUs, exclusively the user's (nvidia.com/gpu).", examples: [1, 2] }),
    migSlice: z
      .string()
      .regex(/^\d+g\.\d+gb(\+me)?$/, { message: 'must be a MIG slice name such as "1g.5gb" or "2g.10gb"' })
      .optional()
      .meta({
        description:
          "One MIG slice of an A100 instead of a whole GPU (nvidia.com/mig-<slice>). It must exist in a node's MIG layout.",
        examples: ["1g.5gb", "2g.10gb"],
      }),
  })
  .refine((gpu) => (gpu.count === undefined) !== (gpu.migSlice === undefined), {
    message: "set exactly one of `count` (full GPUs) or `migSlice` (one MIG slice)",
  })
  .describe("The GPU the profile gets: N full GPUs or one MIG slice. Leave out for CPU only.");

export const customImageSchema = z
  .strictObject({
    maxGpus: z
      .number()
      .int()
      .min(0)
      .max(16)
      .default(0)
      .describe("Most full GPUs an admin may ask for with a custom image (the form offers 0..maxGpus)."),
  })
  .meta({
    description:
      "Makes this the \"custom image\" card: the user types an image from a registry in the stack's hub.customImage.allowedRegistries and picks 0..maxGpus GPUs. Admin groups only; at most the whole GPUs one node has outside MIG mode; no `gpu` field beside it. The profile's image is the default shown, and must come from one of those registries too.",
    examples: [{ maxGpus: 2 }],
  });

export const profileSchema = z
  .strictObject({
    slug: dnsLabel.meta({
      description:
        "Stable id: lowercase letters, digits and `-`, at most 63 characters. Appears in URLs, logs and the hub API; do not rename a slug in use.",
      examples: ["gpu-pytorch-single"],
    }),
    displayName: z
      .string()
      .min(1)
      .max(80)
      .regex(/\S/, { message: "must not be blank" })
      .meta({ description: "Title of the card on the spawn page.", examples: ["GPU: PyTorch (1×)"] }),
    description: z
      .string()
      .max(300)
      .default("")
      .meta({
        description: "One line under the title (up to 300 characters).",
        examples: ["1× GPU • 16 vCPU • 64 GiB"],
      }),
    image: notebookImage.meta({
      description:
        "Notebook image pinned to a tag that never moves (a date, a commit, a full X.Y.Z version or a digest; see Images below), so every node runs the same software.",
      examples: ["quay.io/jupyter/pytorch-notebook:cuda12-2025-11-06"],
    }),
    cpu: guaranteeAndLimit(cpuQuantity, quantityAtLeast("cpu", NOTEBOOK_CPU_LIMIT), CPU_DOCS),
    memory: guaranteeAndLimit(memoryQuantity, quantityAtLeast("memory", NOTEBOOK_MEMORY_LIMIT), MEMORY_DOCS),
    gpu: gpuRequestSchema.optional(),
    groups: z
      .array(z.string().min(1))
      .min(1, { message: "list at least one group that may use this profile" })
      .meta({
        description:
          "Groups from the identity provider (Authentik) whose members may use the profile. Admins may always use every profile. A profile with a GPU may list only GPU groups.",
        examples: [["cps-students", "cpsHPCAccess"]],
      }),
    default: z
      .boolean()
      .default(false)
      .meta({ description: "`true` on exactly one profile: the pre-selected card.", examples: [true] }),
    order: z
      .number()
      .int()
      .default(100)
      .meta({ description: "Position on the page, smallest first.", examples: [20] }),
    idleTimeout: timeoutSeconds(
      "does not turn culling off: the hub-wide culler still stops idle servers; leave idleTimeout out to use the hub's timeout",
    )
      .optional()
      .meta({
        description:
          "Stop the server after this many idle seconds: from 600 up to the hub's culler timeout, a number without unit. Default: the hub's timeout. GPUs are scarce, so GPU profiles use 1800.",
        examples: [1800],
      }),
    maxRuntime: timeoutSeconds(
      "does not mean unlimited: the hub-wide culler still stops servers at its maxAge; leave maxRuntime out to use it",
    )
      .optional()
      .meta({
        description:
          "Stop the server after this many seconds however busy: from 600 up to the culler's max age. Default: the culler's max age.",
        examples: [28800],
      }),
    computeUnitsPerHour: z
      .number()
      .min(0)
      .optional()
      .meta({
        description:
          "Charge-back rate in compute units per hour. Default: derived from the profile's resources and the stack's usage.prices (A100: 8 each, MIG 1g.5gb: 1, CPU only: 0.1).",
        examples: [8],
      }),
    customImage: customImageSchema.optional(),
  })
  .describe("A notebook profile students pick on the spawn page.");

export type Profile = z.output<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;
export type GpuRequest = z.output<typeof gpuRequestSchema>;
