/**
 * A profile's price in compute units (CU) per hour, derived from what it requests and the stack's
 * usage.prices: one MIG slice costs its slice's price, full GPUs the full-GPU price each, a profile
 * without a GPU the CPU-only price. A profile's own computeUnitsPerHour overrides the derivation.
 * Read by the hub settings (what the hub charges and checks) and the usage rules.
 */
import type { Profile } from "./schema/profile";
import type { UsageConfig } from "./schema/usage";

export type UsagePrices = UsageConfig["prices"];

/** CU per hour derived from the profile's resources alone, or undefined for a MIG slice without a price. */
export function derivedComputeUnitsPerHour(profile: Profile, prices: UsagePrices): number | undefined {
  if (profile.gpu?.migSlice) return prices.migSlices[profile.gpu.migSlice];
  if (profile.gpu?.count) return profile.gpu.count * prices.fullGpu;
  return prices.cpuOnly;
}

/** What the profile costs per hour: its own computeUnitsPerHour, else the derived price (0 when unpriced). */
export function profileComputeUnitsPerHour(profile: Profile, prices: UsagePrices): number {
  return profile.computeUnitsPerHour ?? derivedComputeUnitsPerHour(profile, prices) ?? 0;
}
