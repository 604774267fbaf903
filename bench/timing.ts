/** Small timing helpers for the benchmark script: median of repeated runs, after a warm-up. */
import { performance } from "node:perf_hooks";

export function medianMs(runs: number, work: () => unknown): number {
  work(); // warm-up: module loading and JIT are not what we measure
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    work();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

export function verdict(value: number, target: number): string {
  return value <= target ? "ok" : "OVER TARGET";
}

export async function medianMsAsync(runs: number, work: () => Promise<unknown>): Promise<number> {
  await work();
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    await work();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}
