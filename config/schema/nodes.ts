/** The GPU workers: what each node offers, and how its GPUs are split by MIG. */
import { z } from "zod";
import { GPU_MODEL_NAMES } from "../mig";
import { cpuQuantity, hostname, memoryQuantity } from "./common";

export const migGroupSchema = z.strictObject({
  gpus: z
    .array(z.number().int().min(0))
    .min(1)
    .describe("GPU indices on the node this entry applies to, e.g. [0] or [0, 1]."),
  slices: z
    .record(z.string(), z.number().int().min(1))
    .describe('Slices per GPU in this entry, e.g. {"1g.5gb": 7} or {"2g.10gb": 3, "1g.5gb": 1}.'),
});

export const migSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, {
        message: "must be a label value: lowercase, digits, '.', '_', '-'",
      })
      .optional()
      .describe("Name of the layout in the MIG manager's config (default: derived from the slices)."),
    layout: z
      .array(migGroupSchema)
      .min(1)
      .describe("Which slices each GPU is split into. GPUs not listed stay whole."),
  })
  .describe("MIG mode for this node's GPUs.");

export const nodeSchema = z.strictObject({
  name: hostname.describe("Kubernetes node name."),
  cpu: cpuQuantity.describe("Allocatable CPU cores for pods (kubectl describe node → Allocatable)."),
  memory: memoryQuantity.describe("Allocatable memory for pods."),
  gpu: z
    .strictObject({
      model: z
        .enum(GPU_MODEL_NAMES as [string, ...string[]])
        .describe("GPU model; decides the possible MIG slices."),
      count: z.number().int().min(1).max(16),
      timeSlicing: z
        .strictObject({ replicas: z.number().int().min(2).max(64) })
        .optional()
        .describe("Share each full GPU between this many pods (no isolation between them)."),
    })
    .optional()
    .describe("The node's GPUs; leave out for a CPU-only node."),
  mig: migSchema.optional(),
  labels: z.record(z.string(), z.string()).default({}).describe("Extra node labels Pulumi sets."),
});

export const nodesSchema = z.array(nodeSchema).min(1, { message: "list at least one node" });

export type NodeSpec = z.output<typeof nodeSchema>;
export type MigSpec = z.output<typeof migSchema>;
