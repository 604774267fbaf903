/** The usage report as text (like the seed's example), CSV (one row per user and profile) or JSON. */
import type { UsageReport } from "./report";

const hours = (value: number) => `${value.toFixed(1)} h`;
const units = (value: number) => `${value.toFixed(1)} CU`;

export function reportText(report: UsageReport): string {
  const money = (value: number) => `${value.toFixed(2)} ${report.currency}`;
  const lines = [
    `Usage in ${report.month} (${report.timeZone}), ${report.pricePerUnit} ${report.currency} per CU`,
    "",
  ];
  if (report.users.length === 0) lines.push("No usage recorded.", "");
  for (const user of report.users) {
    lines.push(`User: ${user.user}${user.groups.length ? ` (${user.groups.join(", ")})` : ""}`);
    const width = Math.max(...user.profiles.map((p) => p.profile.length));
    for (const p of user.profiles) {
      lines.push(
        `- ${`${p.profile}:`.padEnd(width + 1)} ${hours(p.hours).padStart(9)} → ${units(p.cu).padStart(10)}`,
      );
    }
    lines.push(
      `${"Total:".padEnd(width + 3)} ${hours(user.hours).padStart(9)} → ${units(user.cu).padStart(10)}`,
    );
    lines.push(
      `Cost: ${units(user.cu)} × ${report.pricePerUnit} ${report.currency}/CU = ${money(user.cost)}`,
      "",
    );
  }
  for (const group of report.groups) {
    lines.push(
      `Group ${group.group}: ${group.users} user(s), ${hours(group.hours)} → ${units(group.cu)}, ${money(group.cost)}`,
    );
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

export function reportCsv(report: UsageReport): string {
  const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const rows = [["month", "user", "groups", "profile", "hours", "cu", "cost", "currency"].join(",")];
  for (const user of report.users) {
    for (const p of user.profiles) {
      const cost = (p.cu * report.pricePerUnit).toFixed(2);
      rows.push(
        [
          report.month,
          user.user,
          user.groups.join(" "),
          p.profile,
          p.hours.toFixed(3),
          p.cu.toFixed(3),
          cost,
          report.currency,
        ]
          .map(quote)
          .join(","),
      );
    }
  }
  return `${rows.join("\n")}\n`;
}
