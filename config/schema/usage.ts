/**
 * The usage section: compute units (CU) per resource, monthly budgets per group and user, and how
 * the hub enforces them before a spawn (hub/usage_accounting.py; docs/operations.md, "Usage and
 * budgets"). A profile's CU per hour comes from its resources (config/compute-units.ts).
 */
import { z } from "zod";

const computeUnits = z.number().min(0);

export const usageSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        "Record server runtime in the hub's PostgreSQL (schema `usage`) and check budgets before a spawn.",
      ),
    prices: z
      .strictObject({
        fullGpu: computeUnits.default(8).describe("CU per hour of one full GPU (A100)."),
        migSlices: z
          .record(
            z.string().regex(/^\d+g\.\d+gb$/, { message: "must be a MIG slice such as 1g.5gb" }),
            computeUnits,
          )
          .default({ "1g.5gb": 1, "2g.10gb": 2, "3g.20gb": 4, "7g.40gb": 8 })
          .describe("CU per hour of one MIG slice, by slice name."),
        cpuOnly: computeUnits.default(0.1).describe("CU per hour of a profile without a GPU."),
      })
      .prefault({})
      .describe(
        "What each resource costs; a profile's CU/h is derived from them unless it sets computeUnitsPerHour.",
      ),
    budgets: z
      .record(z.string().min(1), computeUnits)
      .default({})
      .describe(
        "CU per month by group (a group of auth.groups). A user in several groups gets the largest; a user in none has no limit.",
      ),
    userBudgets: z
      .record(z.string().min(1), computeUnits)
      .default({})
      .describe("CU per month for single users (hub usernames); replaces their groups' budget."),
    warnBelow: computeUnits
      .default(10)
      .describe("Warn at spawn when fewer CU than this are left this month."),
    minimumHours: z
      .number()
      .positive()
      .default(1)
      .describe("Refuse a start unless the remaining budget covers this many hours of the chosen profile."),
    pricePerUnit: computeUnits.default(0.5).describe("Money per CU, for the report."),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, { message: "must be an ISO 4217 code such as EUR" })
      .default("EUR"),
    timeZone: z
      .string()
      .refine((zone) => isTimeZone(zone), { message: "must be an IANA time zone such as Europe/Vienna" })
      .default("Europe/Vienna")
      .describe("Where months begin and end."),
    grace: z
      .strictObject({
        minutes: z
          .number()
          .int()
          .min(0)
          .default(30)
          .describe(
            "A running server that exhausts the budget is warned, then stopped after this many minutes; 0: never stopped.",
          ),
        cpuProfiles: z
          .boolean()
          .default(false)
          .describe("Also stop CPU-only servers that exhaust the budget (off: they keep running)."),
      })
      .prefault({}),
  })
  .prefault({})
  .describe("Usage accounting in compute units, monthly budgets and their enforcement.");

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export type UsageConfig = z.output<typeof usageSchema>;
