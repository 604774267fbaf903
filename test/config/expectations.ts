/**
 * The `# expect:` lines of fixtures, and the assertion that a load reported exactly those issues.
 *
 *   # expect: FIELD @ LINE: MESSAGE            an error in this file, at FIELD on LINE
 *   # expect in PATH: FIELD @ LINE: MESSAGE    an error in PATH (relative to this file's folder)
 *   # note in PATH: FIELD @ LINE: MESSAGE      a note (a skipped file) in PATH
 *
 * LINE is "-" for a problem with no line (a whole file or folder). MESSAGE is a part of the message.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ConfigIssue } from "../../config/issues";

export interface Expectation {
  readonly severity: "error" | "note";
  readonly file: string;
  readonly field: string;
  readonly line: number | undefined;
  readonly message: string;
}

const EXPECT_LINE = /^# (expect|note)(?: in (.+?))?: (.+?) @ (\d+|-): (.*)$/;

export function expectationsIn(file: string): Expectation[] {
  // A fixture that is not UTF-8 still yields its `# expect:` lines: only its bad bytes become U+FFFD.
  return readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line) => {
      const match = EXPECT_LINE.exec(line.trimEnd());
      if (!match) return [];
      const [, kind, where, field, at, message] = match as unknown as string[];
      return [
        {
          severity: kind === "note" ? ("note" as const) : ("error" as const),
          file: where ? path.join(path.dirname(file), where) : file,
          field: field as string,
          line: at === "-" ? undefined : Number(at),
          message: (message as string).trim(),
        },
      ];
    });
}

const key = (file: string, field: string, line: number | undefined, severity: string) =>
  `${severity} ${path.relative(process.cwd(), file)} ${field} @ ${line ?? "-"}`;

/** Exactly the expected errors and notes (no more, no fewer), each with its message part. */
export function assertReported(issues: readonly ConfigIssue[], expected: readonly Expectation[]): void {
  const reported = issues
    .filter((issue) => issue.severity === "error" || issue.severity === "note")
    .map((issue) => ({ ...issue, key: key(issue.file, issue.field, issue.position?.line, issue.severity) }));
  const wanted = expected.map((expectation) => ({
    ...expectation,
    key: key(expectation.file, expectation.field, expectation.line, expectation.severity),
  }));
  assert.deepEqual(
    reported.map((issue) => issue.key).sort(),
    wanted.map((expectation) => expectation.key).sort(),
    `reported: ${JSON.stringify(
      reported.map(({ key: where, message }) => `${where}: ${message}`),
      null,
      1,
    )}`,
  );
  // Match messages one to one, so two problems at the same field and line are each checked.
  const unmatched = [...reported];
  for (const expectation of wanted) {
    const index = unmatched.findIndex(
      (issue) => issue.key === expectation.key && issue.message.includes(expectation.message),
    );
    assert.ok(
      index >= 0,
      `no ${expectation.key} message includes "${expectation.message}"; reported: ${JSON.stringify(
        reported.filter((issue) => issue.key === expectation.key).map((issue) => issue.message),
      )}`,
    );
    unmatched.splice(index, 1);
  }
}
