import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkQuantity, formatBytes, parseQuantity, quantityHint } from "../../config/quantity";

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

  test("what people mean is accepted as written", () => {
    for (const [input, kind] of [
      ["500m", "cpu"],
      ["2", "cpu"],
      [0.5, "cpu"],
      [16, "cpu"],
      ["1e3", "cpu"],
      ["64Gi", "memory"],
      ["64G", "memory"],
      ["512Mi", "memory"],
      ["1.5Ti", "storage"],
    ] as const) {
      const checked = checkQuantity(input, kind);
      assert.ok(checked.ok, `${input}: ${checked.ok ? "" : checked.message}`);
      assert.equal(checked.ok && checked.text, String(input));
    }
  });

  test("what would not mean what was written is refused, with how to write it", () => {
    for (const [input, kind, message] of [
      [8, "memory", "8 has no unit, so it means 8 bytes; write the unit, e.g. 8Gi or 8Mi"],
      ["68719476736", "memory", "means 68719476736 bytes; write the unit, e.g. 64Gi"],
      ["16 Gi", "memory", "write 16Gi (no space)"],
      ["16gi", "memory", "write 16Gi (units are case-sensitive)"],
      ["16 gb", "memory", "write 16Gi (binary units: 1Gi = 1024³ bytes; no space)"],
      ["16K", "memory", "write 16Ki"],
      ["512m", "memory", "thousandths of a byte"],
      ["1Ki", "memory", "is too small"],
      ["0", "memory", "is zero"],
      ["-2Gi", "memory", "is negative"],
      ["-1", "cpu", "is negative"],
      [0, "cpu", "is zero"],
      ["0m", "cpu", "is zero"],
      ["0.0005", "cpu", "write 1m"],
      ["1.2345", "cpu", "write 1235m"],
      ["2 cores", "cpu", "write 2 (cores, no unit) or 2000m"],
      ["500 m", "cpu", "write 500m"],
      ["500M", "cpu", "write 500m (millicores: no space, lowercase m)"],
      ["2k", "cpu", "CPU takes no unit but m"],
      ["lots", "cpu", "millicores"],
      ["1e999", "memory", "too large"],
    ] as const) {
      const checked = checkQuantity(input, kind);
      assert.ok(!checked.ok, String(input));
      assert.ok(
        !checked.ok && checked.message.includes(message),
        `${input}: ${!checked.ok && checked.message}`,
      );
    }
  });

  test("a long value is cut in the message", () => {
    const checked = checkQuantity(`${"9".repeat(50)} ${"x".repeat(5000)}`, "memory");
    assert.ok(!checked.ok && checked.message.length < 300 && checked.message.includes("…"));
  });

  test("format bytes in the largest exact unit", () => {
    assert.equal(formatBytes(64 * 2 ** 30), "64Gi");
    assert.equal(formatBytes(2 ** 40), "1Ti");
    assert.equal(formatBytes(512 * 2 ** 20), "512Mi");
  });
});
