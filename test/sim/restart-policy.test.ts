/** The kubelet's restart rules the sim's notebook runner follows (sim/restart-policy.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { backOffMs, restartsAfterExit } from "../../sim/restart-policy";

test("OnFailure restarts every end but exit 0; Always every one; Never none", () => {
  for (const code of [1, 2, 137, null])
    assert.equal(restartsAfterExit("OnFailure", code), true, `code ${code}`);
  assert.equal(restartsAfterExit("OnFailure", 0), false);
  for (const code of [0, 1, null]) {
    assert.equal(restartsAfterExit("Always", code), true);
    assert.equal(restartsAfterExit(undefined, code), true, "no policy is the API server's default, Always");
    assert.equal(restartsAfterExit("Never", code), false);
  }
});

test("the back-off starts at 10 s, doubles, and stops growing at 300 s", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 20].map(backOffMs),
    [10, 20, 40, 80, 160, 300, 300, 300].map((s) => s * 1000),
  );
});
