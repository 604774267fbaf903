import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatBytes, parseQuantity, quantityHint } from "../../config/quantity";

describe("Kubernetes quantities", () => {
  test("parse as the API server reads them", () => {
    assert.equal(parseQuantity("500m"), 0.5);
    assert.equal(parseQuantity("2"), 2);
    assert.equal(parseQuantity("64Gi"), 64 * 2 ** 30);
    assert.equal(parseQuantity("64G"), 64e9);
    assert.equal(parseQuantity("1e3"), 1000);
    assert.equal(parseQuantity("1.5Ti"), 1.5 * 2 ** 40);
  });

  test("refuse what people write by mistake", () => {
    for (const text of ["64 GB", "16 cores", "2GB", "", " 2", "Gi", "1.2.3"]) {
      assert.equal(parseQuantity(text), undefined, text);
    }
  });

  test("hint at the fix", () => {
    assert.match(quantityHint("64 GB", "memory"), /write 64Gi/);
    assert.match(quantityHint("16 cores", "cpu"), /write 16 .* or 16000m/);
    assert.match(quantityHint("lots", "cpu"), /millicores/);
  });

  test("format bytes in the largest exact unit", () => {
    assert.equal(formatBytes(64 * 2 ** 30), "64Gi");
    assert.equal(formatBytes(2 ** 40), "1Ti");
    assert.equal(formatBytes(512 * 2 ** 20), "512Mi");
  });
});
