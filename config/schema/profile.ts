/** One notebook profile: one file under config/profiles/, edited by course staff. */
import { z } from "zod";
import { cpuQuantity, dnsLabel, memoryQuantity, pinnedImage, seconds } from "./common";

const guaranteeAndLimit = <T extends z.ZodType>(quantity: T, what: string) =>
  z.strictObject({
    guarantee: quantity.describe(`${what} reserved for the user: the scheduler places pods by this`),
    limit: quantity.describe(`${what} the user may burst to; the kernel is throttled or killed above it`),
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
    displayName: z.string().min(1).max(80).describe("Title of the card on the spawn page."),
    description: z.string().max(300).default("").describe("One line under the title."),
    image: pinnedImage.describe("Notebook image, pinned to a dated tag or digest."),
    cpu: guaranteeAndLimit(cpuQuantity, "CPU cores"),
    memory: guaranteeAndLimit(memoryQuantity, "Memory"),
    gpu: gpuRequestSchema.optional(),
    groups: z
      .array(z.string().min(1))
      .min(1, { message: "list at least one group that may use this profile" })
      .describe("Groups (from the identity provider) whose members may use it. Admins always may."),
    default: z.boolean().default(false).describe("Pre-selected on the spawn page. Exactly one profile is."),
    order: z.number().int().default(100).describe("Position on the spawn page, smallest first."),
    idleTimeout: seconds
      .optional()
      .describe("Stop the server after this many idle seconds (default: the culler's timeout)."),
    maxRuntime: seconds
      .optional()
      .describe("Stop the server after this many seconds however busy (default: the culler's maxAge)."),
    computeUnitsPerHour: z.number().min(0).default(0).describe("Charge-back rate, for reports."),
    customImage: customImageSchema.optional(),
  })
  .describe("A notebook profile students pick on the spawn page.");

export type Profile = z.output<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;
export type GpuRequest = z.output<typeof gpuRequestSchema>;
