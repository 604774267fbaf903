// A node:test reporter that writes one JSON line per failed test: the file, the test's full name
// (its suites first, " › " between) and the first lines of the error; then one line with the
// counts, {"passed": N, "failed": M}, so a caller can tell "nothing failed" from "nothing ran".
// A suite that failed only because a test in it failed is not listed again. Plain JavaScript:
// node 20 loads reporters without the --import hooks (tsx). Used by tools/check-new-profile.ts:
//   --test-reporter=./tools/test-failures-reporter.mjs --test-reporter-destination=failures.jsonl

/** @param {{ message?: string, cause?: unknown } | undefined} error */
function summary(error) {
  const cause = /** @type {{ message?: string } | string | undefined} */ (error?.cause);
  const text = (typeof cause === "string" ? cause : cause?.message) ?? error?.message ?? "failed";
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return lines.slice(0, 3).join(" / ").slice(0, 300);
}

/** @param {AsyncIterable<{ type: string, data: any }>} source */
export default async function* failures(source) {
  /** @type {Map<string, string[]>} */
  const names = new Map();
  let passed = 0;
  let failed = 0;
  for await (const event of source) {
    const { data } = event;
    const file = data?.file ?? "";
    if (event.type === "test:start") {
      const path = (names.get(file) ?? []).slice(0, data.nesting);
      path[data.nesting] = data.name;
      names.set(file, path);
    } else if (event.type === "test:pass") {
      if (data.details?.type !== "suite") passed++;
    } else if (event.type === "test:fail") {
      if (data.details?.error?.failureType === "subtestsFailed") continue;
      failed++;
      const path = [...(names.get(file) ?? []).slice(0, data.nesting), data.name];
      yield `${JSON.stringify({ file, test: path.join(" › "), message: summary(data.details?.error) })}\n`;
    }
  }
  yield `${JSON.stringify({ passed, failed })}\n`;
}
