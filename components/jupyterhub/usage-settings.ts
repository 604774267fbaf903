/**
 * Usage accounting's part of the hub settings (the stack's usage section): what
 * hub/usage_accounting.py needs to record runtime, check budgets before a spawn and stop a server
 * that exhausts its budget. Absent when usage is off. Each profile's CU/h is in its own settings
 * (profile-settings.ts). Pure.
 */
import { z } from "zod";
import type { PlatformConfig } from "../../config/schema/platform";

export const usageSettingsSchema = z.strictObject({
  time_zone: z.string().describe("IANA time zone where months begin."),
  minimum_hours: z
    .number()
    .positive()
    .describe("Hours of the chosen profile the remaining budget must cover."),
  warn_below: z.number().min(0).describe("CU left under which the spawn warns."),
  price_per_unit: z.number().min(0),
  currency: z.string(),
  full_gpu_per_hour: z.number().min(0).describe("CU/h of one full GPU: a custom image's chosen GPUs."),
  group_budgets: z
    .record(z.string(), z.number().min(0))
    .describe("CU per month by group; the largest of a user's groups applies."),
  user_budgets: z
    .record(z.string(), z.number().min(0))
    .describe("CU per month by username; replaces the groups'."),
  grace_minutes: z.number().int().min(0).describe("Minutes a server over budget runs on; 0: never stopped."),
  grace_cpu_profiles: z.boolean().describe("Whether CPU-only servers over budget are stopped too."),
});

export type UsageSettings = z.output<typeof usageSettingsSchema>;

export function usageSettings(config: Pick<PlatformConfig, "usage">): { usage?: UsageSettings } {
  const { usage } = config;
  if (!usage.enabled) return {};
  return {
    usage: {
      time_zone: usage.timeZone,
      minimum_hours: usage.minimumHours,
      warn_below: usage.warnBelow,
      price_per_unit: usage.pricePerUnit,
      currency: usage.currency,
      full_gpu_per_hour: usage.prices.fullGpu,
      group_budgets: { ...usage.budgets },
      user_budgets: { ...usage.userBudgets },
      grace_minutes: usage.grace.minutes,
      grace_cpu_profiles: usage.grace.cpuProfiles,
    },
  };
}
