/**
 * MIG geometry per GPU model: which slices exist, where the hardware can place them, and so which
 * mixes one GPU can hold. A mix is valid when every slice gets a placement that overlaps no other
 * and the compute slices add up to at most the GPU's total (NVIDIA MIG user guide, "Supported
 * MIG profiles" and `nvidia-smi mig -lgipp`).
 */

export interface SliceGeometry {
  /** Memory slots the slice occupies (a GPU has 8). */
  readonly slots: number;
  /** Slots where the slice may start. */
  readonly starts: readonly number[];
  /** Compute slices it uses (a GPU has 7). */
  readonly compute: number;
  /** Most instances one GPU can hold, when the hardware limits it beyond placement (media extensions). */
  readonly maxPerGpu?: number;
}

export interface GpuModel {
  readonly memoryGiB: number;
  /** Label value the GPU Operator's feature discovery sets as nvidia.com/gpu.product. */
  readonly product: string;
  /** MIG slices by name; absent for GPUs without MIG. */
  readonly migSlices?: Readonly<Record<string, SliceGeometry>>;
}

const single = (slots: number, compute: number, starts: number[]): SliceGeometry => ({
  slots,
  compute,
  starts,
});

const A100_40GB_SLICES = {
  "1g.5gb": single(1, 1, [0, 1, 2, 3, 4, 5, 6]),
  "1g.5gb+me": { ...single(1, 1, [0, 1, 2, 3, 4, 5, 6]), maxPerGpu: 1 },
  "1g.10gb": single(2, 1, [0, 2, 4, 6]),
  "2g.10gb": single(2, 2, [0, 2, 4]),
  "3g.20gb": single(4, 3, [0, 4]),
  "4g.20gb": single(4, 4, [0]),
  "7g.40gb": single(8, 7, [0]),
};

const A100_80GB_SLICES = {
  "1g.10gb": single(1, 1, [0, 1, 2, 3, 4, 5, 6]),
  "1g.10gb+me": { ...single(1, 1, [0, 1, 2, 3, 4, 5, 6]), maxPerGpu: 1 },
  "1g.20gb": single(2, 1, [0, 2, 4, 6]),
  "2g.20gb": single(2, 2, [0, 2, 4]),
  "3g.40gb": single(4, 3, [0, 4]),
  "4g.40gb": single(4, 4, [0]),
  "7g.80gb": single(8, 7, [0]),
};

export const GPU_MODELS = {
  "A100-40GB": {
    memoryGiB: 40,
    product: "NVIDIA-A100-PCIE-40GB",
    migSlices: A100_40GB_SLICES,
  },
  "A100-80GB": {
    memoryGiB: 80,
    product: "NVIDIA-A100-80GB-PCIe",
    migSlices: A100_80GB_SLICES,
  },
  "H100-80GB": {
    memoryGiB: 80,
    product: "NVIDIA-H100-80GB-HBM3",
    migSlices: A100_80GB_SLICES,
  },
  L40S: { memoryGiB: 48, product: "NVIDIA-L40S" },
  A40: { memoryGiB: 48, product: "NVIDIA-A40" },
} as const satisfies Record<string, GpuModel>;

export type GpuModelName = keyof typeof GPU_MODELS;
export const GPU_MODEL_NAMES = Object.keys(GPU_MODELS) as GpuModelName[];

export function gpuModel(name: GpuModelName): GpuModel {
  return GPU_MODELS[name];
}

export function migSliceNames(model: GpuModelName): string[] {
  return Object.keys(gpuModel(model).migSlices ?? {});
}

/** Why one GPU cannot hold this mix of slices, or undefined when it can. */
export function explainInvalidMix(
  model: GpuModelName,
  mix: Readonly<Record<string, number>>,
): string | undefined {
  const spec = gpuModel(model);
  const slices = spec.migSlices;
  if (!slices) return `${model} does not support MIG`;
  for (const name of Object.keys(mix)) {
    if (!(name in slices))
      return `${model} has no MIG slice "${name}" (it has ${Object.keys(slices).join(", ")})`;
  }
  const wanted = Object.entries(mix).filter(([, count]) => count > 0);
  for (const [name, count] of wanted) {
    const geometry = slices[name] as SliceGeometry;
    const most = Math.min(geometry.maxPerGpu ?? Number.POSITIVE_INFINITY, maxInstances(geometry));
    if (count > most) return `one ${model} holds at most ${most} × ${name}, not ${count}`;
  }
  const compute = wanted.reduce(
    (sum, [name, count]) => sum + (slices[name] as SliceGeometry).compute * count,
    0,
  );
  if (compute > 7) return `the mix needs ${compute} compute slices and one ${model} has 7`;
  const instances = wanted.flatMap(([name, count]) => Array<string>(count).fill(name));
  // Place the largest slices first: they have the fewest starts, so the search stays tiny.
  instances.sort((x, y) => (slices[y] as SliceGeometry).slots - (slices[x] as SliceGeometry).slots);
  if (!place(instances, slices, new Array<boolean>(8).fill(false))) {
    return `the slices do not fit together on one ${model}: no placement leaves them without overlap`;
  }
  return undefined;
}

function maxInstances(geometry: SliceGeometry): number {
  const used = new Array<boolean>(8).fill(false);
  let count = 0;
  for (const start of geometry.starts) {
    if (fits(used, start, geometry.slots)) {
      mark(used, start, geometry.slots, true);
      count++;
    }
  }
  return Math.min(count, Math.floor(7 / geometry.compute));
}

function place(
  instances: string[],
  slices: Readonly<Record<string, SliceGeometry>>,
  used: boolean[],
): boolean {
  const [first, ...rest] = instances;
  if (first === undefined) return true;
  const geometry = slices[first] as SliceGeometry;
  for (const start of geometry.starts) {
    if (!fits(used, start, geometry.slots)) continue;
    mark(used, start, geometry.slots, true);
    if (place(rest, slices, used)) return true;
    mark(used, start, geometry.slots, false);
  }
  return false;
}

function fits(used: boolean[], start: number, slots: number): boolean {
  for (let slot = start; slot < start + slots; slot++) if (slot >= used.length || used[slot]) return false;
  return true;
}

function mark(used: boolean[], start: number, slots: number, value: boolean): void {
  for (let slot = start; slot < start + slots; slot++) used[slot] = value;
}
