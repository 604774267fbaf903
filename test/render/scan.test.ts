/**
 * The manifest scan (npm run scan): checkov's kubernetes checks on the prod render find nothing
 * outside test/fixtures/checkov-accepted.txt, every line there still accepts a failure, and every
 * accepted check has its reason in docs/operations.md ("Manifest scan").
 *
 * The real scan runs here: installing checkov into .work/checkov-venv took 30 to 50 s on a fresh
 * 2-core machine and a scan of the render takes about 3 s, well under the 2 minutes that would have
 * made a committed list of expected results the better test.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { renderToDirectory } from "../../render/directory";
import {
  ACCEPTED_FILE,
  compareWithAccepted,
  ensureCheckov,
  type Failure,
  failuresByResource,
  parseAccepted,
  runCheckov,
} from "../../render/scan";
import { PROJECT_ROOT, prodConfig } from "../helpers";

const failure = (checkId: string, resource: string): Failure => ({ checkId, resource, name: "" });

describe("the accepted list", () => {
  test("a line is CHECK_ID RESOURCE # why, and a line without a reason is refused with its number", () => {
    const { entries, problems } = parseAccepted(
      "# comment\n\nCKV_K8S_43 Deployment.jupyterhub.hub  # a release tag\nCKV_K8S_15 Deployment.jupyterhub.proxy\n",
    );
    assert.deepEqual(entries, [
      { line: 3, checkId: "CKV_K8S_43", resource: "Deployment.jupyterhub.hub", why: "a release tag" },
    ]);
    assert.deepEqual(problems, [
      '4: expected "CHECK_ID Kind.namespace.name  # why it is accepted", got "CKV_K8S_15 Deployment.jupyterhub.proxy"',
    ]);
  });

  test("* matches any characters of a name, nothing else does; unaccepted failures and stale lines are named", () => {
    const { entries } = parseAccepted(
      "CKV_K8S_9 DaemonSet.jupyterhub.image-puller-*  # pause\nCKV_K8S_22 Deployment.jupyterhub.hub  # open\n",
    );
    const result = compareWithAccepted(
      [
        failure("CKV_K8S_9", "DaemonSet.jupyterhub.image-puller-datascience-notebook-2025-11-06-5b9bbb"),
        failure("CKV_K8S_9", "DaemonSet.jupyterhubXimage-puller-a"),
        failure("CKV_K8S_8", "DaemonSet.jupyterhub.image-puller-a"),
      ],
      entries,
    );
    assert.deepEqual(
      result.unexpected.map((f) => `${f.checkId} ${f.resource}`),
      ["CKV_K8S_9 DaemonSet.jupyterhubXimage-puller-a", "CKV_K8S_8 DaemonSet.jupyterhub.image-puller-a"],
    );
    assert.deepEqual(
      result.stale.map((entry) => entry.line),
      [2],
    );
  });
});

describe("checkov on the prod render", () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), "scan-"));
  after(() => rmSync(folder, { recursive: true, force: true }));

  test("every failure is accepted, every accepted line still fails, and each accepted check is justified in docs/operations.md", async (t) => {
    const started = Date.now();
    const checkov = ensureCheckov();
    const installed = Date.now();
    await renderToDirectory(prodConfig(), folder);
    const result = runCheckov(checkov, folder);
    t.diagnostic(
      `checkov ${result.checkovVersion}: ${result.passed} passed, ${result.failed} failed of ` +
        `${result.passed + result.failed}; venv ${((installed - started) / 1000).toFixed(1)} s, ` +
        `render and scan ${((Date.now() - installed) / 1000).toFixed(1)} s`,
    );
    const accepted = parseAccepted(readFileSync(ACCEPTED_FILE, "utf8"));
    assert.deepEqual(accepted.problems, [], "lines of test/fixtures/checkov-accepted.txt");
    const { unexpected, stale } = compareWithAccepted(result.failures, accepted.entries);
    assert.deepEqual(
      failuresByResource(unexpected),
      [],
      "failures not in test/fixtures/checkov-accepted.txt: fix them, or accept them there with a reason " +
        '(and in docs/operations.md, "Manifest scan")',
    );
    assert.deepEqual(
      stale.map((entry) => `${entry.line}: ${entry.checkId} ${entry.resource}`),
      [],
      "lines of test/fixtures/checkov-accepted.txt that accept nothing any more: delete them",
    );

    const docs = readFileSync(path.join(PROJECT_ROOT, "docs", "operations.md"), "utf8");
    const section = /\n## Manifest scan\n([\s\S]*?)(?=\n## |$)/.exec(docs)?.[1] ?? "";
    const rows = new Set([...section.matchAll(/^\| `(CKV2?_K8S_\d+)`/gm)].map((match) => match[1]));
    const listed = new Set(accepted.entries.map((entry) => entry.checkId));
    assert.deepEqual(
      [...listed].filter((id) => !rows.has(id)),
      [],
      'accepted checks without a row in docs/operations.md, "Manifest scan"',
    );
    assert.deepEqual(
      [...rows].filter((id) => id !== undefined && !listed.has(id)),
      [],
      'rows of docs/operations.md, "Manifest scan" that the accepted list no longer names: delete them',
    );
  });
});
