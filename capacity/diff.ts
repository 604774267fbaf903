/**
 * What a change does to capacity: each profile's users at once before and after, and what stops the
 * next user. Pure: it compares two planner results (`profileCapacities`), however they were made.
 */
import type { ProfileCapacity } from "./plan";

export type CapacityChange = "added" | "removed" | "changed" | "unchanged";

/** One profile's users at once and the resource that stops the next one. */
export interface CapacityPoint {
  readonly users: number;
  readonly limit: string;
}

export interface CapacityDiffRow {
  readonly slug: string;
  readonly change: CapacityChange;
  /** Absent for an added profile. */
  readonly before?: CapacityPoint;
  /** Absent for a removed profile. */
  readonly after?: CapacityPoint;
}

function point(capacity: ProfileCapacity): CapacityPoint {
  return { users: capacity.users, limit: capacity.limit };
}

/**
 * Every profile of either side, in the order of `after` (the page's order), removed profiles where
 * they stood before. A profile changes when its users at once or its limiting resource change.
 */
export function diffCapacities(
  before: readonly ProfileCapacity[],
  after: readonly ProfileCapacity[],
): CapacityDiffRow[] {
  const old = new Map(before.map((row) => [row.slug, row]));
  const current = new Set(after.map((row) => row.slug));
  const rows: CapacityDiffRow[] = after.map((row) => {
    const previous = old.get(row.slug);
    if (!previous) return { slug: row.slug, change: "added", after: point(row) };
    const same = previous.users === row.users && previous.limit === row.limit;
    return {
      slug: row.slug,
      change: same ? "unchanged" : "changed",
      before: point(previous),
      after: point(row),
    };
  });
  before.forEach((row, index) => {
    if (current.has(row.slug)) return;
    // After the profile that preceded it before, so a removed profile stays near its old place.
    const previousSlug = before[index - 1]?.slug;
    const at =
      previousSlug === undefined ? 0 : rows.findIndex((candidate) => candidate.slug === previousSlug) + 1;
    rows.splice(at, 0, { slug: row.slug, change: "removed", before: point(row) });
  });
  return rows;
}

/** Whether anything differs. */
export function capacityChanged(rows: readonly CapacityDiffRow[]): boolean {
  return rows.some((row) => row.change !== "unchanged");
}

/** "gpu-pytorch-single: 6 → 4 (limited by nvidia.com/gpu)": one row as a sentence. */
export function describeCapacityRow(row: CapacityDiffRow): string {
  const { before, after } = row;
  switch (row.change) {
    case "added":
      return `${row.slug}: new profile, ${after?.users} (limited by ${after?.limit})`;
    case "removed":
      return `${row.slug}: removed (was ${before?.users}, limited by ${before?.limit})`;
    default: {
      const users = before?.users === after?.users ? `${after?.users}` : `${before?.users} → ${after?.users}`;
      const limit = before?.limit === after?.limit ? `${after?.limit}` : `${before?.limit} → ${after?.limit}`;
      return `${row.slug}: ${users} (limited by ${limit})`;
    }
  }
}
