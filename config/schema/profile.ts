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

const guaranteeAndLimit = <G extends z.ZodType, L extends z.ZodType>(guarantee: G, limit: L, what: string) =>
  z.strictObject({
    guarantee: guarantee.describe(`${what} reserved for the user: the scheduler places pods by this`),
    limit: limit.describe(`${what} the user may burst to; the kernel is throttled or killed above it`),
  });

export const gpuRequestSchema = z
  .strictObject({
    count: z
      .number()
      .int()
      .min(1, { message: "must be 1 or more full GPUs (leave `gpu` out for a CPU profile)" })
      .max(16)
      .optional()
      .describe("Full GPUs, exclusively the user's (nvidia.com/gpu)."),
    migSlice: z
      .string()
      .regex(/^\d+g\.\d+gb(\+me)?$/, { message: 'must be a MIG slice name such as "1g.5gb" or "2g.10gb"' })
      .optional()
      .describe("One MIG slice of a GPU (nvidia.com/mig-<slice>), e.g. 1g.5gb."),
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
  .describe("Lets the user type their own image (admins only): the profile's image is the default shown.");

export const profileSchema = z
  .strictObject({
    slug: dnsLabel.describe("Stable id of the profile, used in URLs, logs and the hub API."),
    displayName: z
      .string()
      .min(1)
      .max(80)
      .regex(/\S/, { message: "must not be blank" })
      .describe("Title of the card on the spawn page."),
    description: z.string().max(300).default("").describe("One line under the title."),
    image: notebookImage.describe(
      "Notebook image, pinned to a dated tag, a commit, a full X.Y.Z version or a digest.",
    ),
    cpu: guaranteeAndLimit(cpuQuantity, quantityAtLeast("cpu", NOTEBOOK_CPU_LIMIT), "CPU cores"),
    memory: guaranteeAndLimit(memoryQuantity, quantityAtLeast("memory", NOTEBOOK_MEMORY_LIMIT), "Memory"),
    gpu: gpuRequestSchema.optional(),
    groups: z
      .array(z.string().min(1))
      .min(1, { message: "list at least one group that may use this profile" })
      .describe("Groups (from the identity provider) whose members may use it. Admins always may."),
    default: z.boolean().default(false).describe("Pre-selected on the spawn page. Exactly one profile is."),
    order: z.number().int().default(100).describe("Position on the spawn page, smallest first."),
    idleTimeout: timeoutSeconds(
      "does not turn culling off: the hub-wide culler still stops idle servers; leave idleTimeout out to use the hub's timeout",
    )
      .optional()
      .describe(
        "Stop the server after this many idle seconds (at least 600, at most the culler's timeout; default: the culler's timeout).",
      ),
    maxRuntime: timeoutSeconds(
      "does not mean unlimited: the hub-wide culler still stops servers at its maxAge; leave maxRuntime out to use it",
    )
      .optional()
      .describe(
        "Stop the server after this many seconds however busy (at least 600, at most the culler's maxAge; default: the culler's maxAge).",
      ),
    computeUnitsPerHour: z.number().min(0).default(0).describe("Charge-back rate, for reports."),
    customImage: customImageSchema.optional(),
  })
  .describe("A notebook profile students pick on the spawn page.");

export type Profile = z.output<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;
export type GpuRequest = z.output<typeof gpuRequestSchema>;
