/**
 * Which image tags count as pinned (docs/profiles.md, "Images"): the rule on both sides of the line.
 * Which registry an image comes from, for the admins' custom images (hub.customImage).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { customImageDefaultFromAllowedRegistry } from "../../config/rules/profiles";
import {
  explainUnpinnedImage,
  fromAllowedRegistry,
  imageRepository,
  registryPrefix,
} from "../../config/schema/common";
import { hubSchema } from "../../config/schema/hub";
import { baseConfig } from "./base";

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

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("custom images' registries", () => {
  test("references resolve as containerd resolves them (the same table as test/hub)", () => {
    const table: [string, string][] = [
      ["x", "docker.io/library/x"],
      ["x:1", "docker.io/library/x"],
      ["a/b:1", "docker.io/a/b"],
      ["index.docker.io/a/b:1", "docker.io/a/b"],
      ["localhost/a:1", "localhost/a"],
      ["localhost:5000/a:1", "localhost:5000/a"],
      ["registry:5000/a/b:1", "registry:5000/a/b"],
      [`quay.io/a/b:1@${DIGEST}`, "quay.io/a/b"],
    ];
    for (const [image, repository] of table) {
      assert.equal(imageRepository(image), repository, image);
      assert.ok(fromAllowedRegistry(image, [repository]), image);
    }
  });

  test("a registry allows the repositories below it, at whole path segments only", () => {
    const allowed = hubSchema.parse({}).customImage.allowedRegistries;
    assert.deepEqual(allowed, ["quay.io/jupyter", "docker.io/jupyter", "registry.cps.unileoben.ac.at"]);
    for (const image of [
      "quay.io/jupyter/pytorch-notebook:cuda12-2025-11-06",
      `quay.io/jupyter/pytorch-notebook:cuda12-2025-11-06@${DIGEST}`,
      "jupyter/scipy-notebook:2025-11-06",
      "registry.cps.unileoben.ac.at/bio-gpu:2025-11",
    ]) {
      assert.ok(fromAllowedRegistry(image, allowed), image);
    }
    for (const image of [
      "quay.io/jupyterx/notebook:2025-11-06",
      "docker.io/jupyterhub/k8s-hub:4.4.0",
      "ubuntu:24.04",
      "registry.cps.unileoben.ac.at.evil.org/x:1.0.0",
      "registry.cps.unileoben.ac.at:5000/x:1.0.0",
      "ghcr.io/someone/miner:1.0.0",
    ]) {
      assert.ok(!fromAllowedRegistry(image, allowed), image);
    }
  });

  test("a registry is written as images name it: host first, no scheme, no trailing slash", () => {
    const problem = (prefix: string) => registryPrefix.safeParse(prefix).error?.issues[0]?.message;
    for (const good of [
      "quay.io/jupyter",
      "docker.io",
      "registry.example.org:5000/course",
      "localhost:5000",
    ]) {
      assert.equal(problem(good), undefined, good);
    }
    assert.equal(
      problem("https://quay.io/jupyter"),
      '"https://quay.io/jupyter" has a scheme; write the registry as images name it, e.g. quay.io/jupyter',
    );
    assert.equal(
      problem("quay.io/jupyter/"),
      '"quay.io/jupyter/" ends with "/"; write it without, e.g. quay.io/jupyter',
    );
    assert.equal(
      problem("index.docker.io/jupyter"),
      '"index.docker.io/jupyter": write docker.io (images on index.docker.io are compared as docker.io)',
    );
    assert.match(
      problem("jupyter") ?? "",
      /^"jupyter" is not a registry host with an optional path; write e\.g\. quay\.io\/jupyter/,
    );
    assert.match(
      hubSchema.safeParse({ customImage: { allowedRegistries: [] } }).error?.issues[0]?.message ?? "",
      /list at least one registry/,
    );
  });

  test("the custom-image card's default image comes from an allowed registry", () => {
    const config = structuredClone(baseConfig());
    const index = config.profiles.findIndex((profile) => profile.customImage);
    assert.deepEqual(customImageDefaultFromAllowedRegistry(config), []);
    (config.hub.customImage as { allowedRegistries: string[] }).allowedRegistries = ["registry.example.org"];
    assert.deepEqual(customImageDefaultFromAllowedRegistry(config), [
      {
        path: ["profiles", index, "image"],
        message: `"${config.profiles[index]?.image}" is the custom-image card's default, but comes from no registry in hub.customImage.allowedRegistries (registry.example.org, at {0}); add its registry there or choose an image from one of them`,
        refs: [["hub", "customImage", "allowedRegistries"]],
      },
    ]);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
