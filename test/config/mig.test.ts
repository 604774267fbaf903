import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { explainInvalidMix } from "../../config/mig";

describe("MIG mixes one A100 40GB can hold", () => {
  const valid: Record<string, number>[] = [
    { "1g.5gb": 7 },
    { "2g.10gb": 3 },
    { "2g.10gb": 3, "1g.5gb": 1 },
    { "3g.20gb": 2 },
    { "3g.20gb": 1, "2g.10gb": 2 },
    { "4g.20gb": 1, "2g.10gb": 1, "1g.5gb": 1 },
    { "4g.20gb": 1, "3g.20gb": 1 },
    { "7g.40gb": 1 },
    { "1g.5gb": 2, "2g.10gb": 1, "3g.20gb": 1 },
  ];
  for (const mix of valid) {
    test(`accepts ${JSON.stringify(mix)}`, () =>
      assert.equal(explainInvalidMix("A100-40GB", mix), undefined));
  }

  test("refuses more instances than the GPU has", () => {
    assert.equal(
      explainInvalidMix("A100-40GB", { "1g.5gb": 8 }),
      "one A100-40GB holds at most 7 × 1g.5gb, not 8",
    );
    assert.equal(
      explainInvalidMix("A100-40GB", { "2g.10gb": 4 }),
      "one A100-40GB holds at most 3 × 2g.10gb, not 4",
    );
  });

  test("refuses mixes that need more than 7 compute slices", () => {
    assert.match(
      explainInvalidMix("A100-40GB", { "4g.20gb": 1, "2g.10gb": 2 }) ?? "",
      /needs 8 compute slices/,
    );
  });

  test("refuses mixes whose placements overlap", () => {
    // 3g.20gb may start only at slot 0 or 4, 2g.10gb only at 0, 2 or 4: two 2g and two 3g cannot share 8 slots.
    assert.match(
      explainInvalidMix("A100-40GB", { "3g.20gb": 1, "2g.10gb": 1, "1g.10gb": 2 }) ?? "",
      /no placement/,
    );
  });

  test("refuses slices of another model and models without MIG", () => {
    assert.match(explainInvalidMix("A100-40GB", { "1g.10gbb": 1 }) ?? "", /has no MIG slice "1g.10gbb"/);
    assert.equal(explainInvalidMix("L40S", { "1g.5gb": 1 }), "L40S does not support MIG");
  });
});
