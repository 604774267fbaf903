/** Which image tags count as pinned (docs/profiles.md, "Images"): the rule on both sides of the line. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { explainUnpinnedImage } from "../../config/schema/common";

describe("image pinning", () => {
  test("dates, commits, full versions and digests are pinned", () => {
    for (const image of [
      "quay.io/jupyter/pytorch-notebook:2025-11-06",
      "quay.io/jupyter/pytorch-notebook:cuda12-2025-11-06",
      "quay.io/jupyter/tensorflow-notebook:cuda-2025-11-06",
      "registry.example.org/course/image:2025-11",
      "registry.example.org/course/image:20251106",
      "registry.example.org/course/image:nightly-2025-11-06",
      "quay.io/jupyter/base-notebook:7d1c8c8f8a3f",
      "registry.example.org/course/image:sha-4f2a9c1",
      "registry.example.org/course/image:1.4.2",
      "registry.example.org/course/image:v1.4.2-rc1",
      `quay.io/jupyter/base-notebook@sha256:${"a".repeat(64)}`,
      `quay.io/jupyter/base-notebook:latest@sha256:${"a".repeat(64)}`,
    ]) {
      assert.equal(explainUnpinnedImage(image, "notebook"), undefined, image);
    }
  });

  test("moving tags are refused, compared without case", () => {
    for (const [image, part] of [
      ["quay.io/jupyter/base-notebook", "has no tag"],
      ["quay.io/jupyter/base-notebook:latest", 'uses "latest"'],
      ["quay.io/jupyter/base-notebook:Latest", 'that is "latest"'],
      ["registry.example.org/course/image:master", 'moving tag "master"'],
      ["registry.example.org/course/image:develop", 'moving tag "develop"'],
      ["registry.example.org/course/image:dev", 'moving tag "dev"'],
      ["registry.example.org/course/image:NIGHTLY", 'moving tag "NIGHTLY"'],
      ["registry.example.org/course/image:edge", 'moving tag "edge"'],
      ["registry.example.org/course/image:stable", 'moving tag "stable"'],
      ["registry.example.org/course/image:1.4.2-dev", 'moving tag "dev"'],
      ["quay.io/jupyter/base-notebook:python-3.11.6", "version of one component"],
      ["quay.io/jupyter/base-notebook:python-3.11", "version of one component"],
      ["quay.io/jupyter/base-notebook:lab-4.0.7", "version of one component"],
      ["quay.io/jupyter/base-notebook:ubuntu-22.04", "version of one component"],
      ["docker.io/library/python:3.11", 'version series ("3.11")'],
      ["docker.io/library/postgres:16", 'only a major version ("16")'],
      ["quay.io/jupyter/pytorch-notebook:cuda12", "without version, date or commit"],
    ]) {
      assert.match(
        explainUnpinnedImage(image as string, "notebook") ?? "pinned",
        new RegExp(escapeRegExp(part as string)),
        image,
      );
    }
  });

  test("platform images may use their project's two-number release", () => {
    for (const image of ["docker.io/library/postgres:16.6", "registry.k8s.io/pause:3.10"]) {
      assert.equal(explainUnpinnedImage(image, "platform"), undefined, image);
      assert.match(explainUnpinnedImage(image, "notebook") ?? "", /version series/, image);
    }
    assert.match(explainUnpinnedImage("registry.k8s.io/pause:stable", "platform") ?? "", /moving tag/);
  });

  test("a very long image is not echoed whole", () => {
    const message = explainUnpinnedImage(`registry.example.org/${"a".repeat(5000)}`, "notebook") ?? "";
    assert.ok(message.length < 400, message);
    assert.match(message, /a…"/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
