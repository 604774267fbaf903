/**
 * The real Pulumi engine (CLI, engine and kubernetes provider built from upstream's source; test
 * providers only for random and tls) deploys the prod stack onto a simulated cluster: the policy
 * pack passes, a second preview is empty, a change costs only what it reaches, destroy completes
 * and keeps every user's data. One cluster and one proof run for the whole file (engine/proof.ts).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { NAMES } from "../../components/names";
import type { PlatformConfig } from "../../config/schema/platform";
import { type EngineProof, runEngineProof } from "../../engine/proof";
import { type SimCluster, startCluster, stopCluster } from "../../sim/cluster";
import { simConfig } from "../../sim/stack";
import { SETUP_TIMEOUT } from "../sim/support";

const NAME = "e2e-engine";
const log = (line: string) => process.stderr.write(`# [engine] ${line}\n`);
let cluster: SimCluster | undefined;
let config: PlatformConfig;
let proof: EngineProof;

before(
  async () => {
    config = simConfig("prod");
    cluster = await startCluster({ name: NAME, config, nodes: config.nodes, log });
    proof = await runEngineProof({ cluster, stack: "prod", config, log });
  },
  { timeout: SETUP_TIMEOUT },
);

after(async () => {
  cluster?.client.close();
  await stopCluster(NAME, log);
});

/** "Type name" of each URN, e.g. kubernetes:core/v1:ConfigMap jupyterhub-hub-config. */
function changed(urns: Readonly<Record<string, string>>): { type: string; name: string; op: string }[] {
  return Object.entries(urns).map(([urn, op]) => {
    const parts = urn.split("::");
    const type = (parts[2] ?? "").split("$").pop() ?? "";
    return { type, name: parts[3] ?? "", op };
  });
}

describe("the real Pulumi engine on a simulated cluster", () => {
  test("preview with the policy pack, up and a second preview: no violation, nothing left to change", (t) => {
    t.diagnostic(
      `pulumi ${proof.cli} (${proof.engineSource}); providers ${JSON.stringify(proof.providers)}; preview ${proof.preview.create} to create in ${proof.preview.seconds.toFixed(1)} s, up ${proof.up.created} created in ${proof.up.seconds.toFixed(1)} s, second preview ${proof.secondPreview.seconds.toFixed(1)} s`,
    );
    assert.match(proof.cli, /^v3\.\d+\.\d+$/);
    assert.ok(proof.preview.create > 0);
    assert.equal(proof.up.created, proof.preview.create, "up creates what the preview announced");
    assert.equal(proof.policy.violations, 0);
    assert.equal(proof.secondPreview.changes, 0);
  });

  test("a profile edit updates only the hub's settings and restarts the hub through its checksum", (t) => {
    const changes = changed(proof.profileEdit.ops);
    t.diagnostic(JSON.stringify(changes));
    assert.deepEqual(changes.map((c) => `${c.op} ${c.type}`).sort(), [
      "update kubernetes:apps/v1:Deployment",
      "update kubernetes:core/v1:ConfigMap",
    ]);
    assert.ok(
      changes.every((c) => c.name.includes("hub")),
      "only the hub's ConfigMap and Deployment",
    );
  });

  test("a changed OAuth client secret updates the hub Secret and restarts the hub", (t) => {
    const changes = changed(proof.secretEdit.ops);
    t.diagnostic(JSON.stringify(changes));
    assert.deepEqual(changes.map((c) => `${c.op} ${c.type}`).sort(), [
      "update kubernetes:apps/v1:Deployment",
      "update kubernetes:core/v1:Secret",
    ]);
  });

  test("a node's new MIG layout touches only that node's labels and the MIG ConfigMap", (t) => {
    if (!config.nodes.some((node) => node.mig)) return t.skip("the stack has no MIG node");
    const changes = changed(proof.migEdit?.ops ?? {});
    t.diagnostic(JSON.stringify(changes));
    assert.deepEqual(changes.map((c) => `${c.op} ${c.type}`).sort(), [
      "update kubernetes:core/v1:ConfigMap",
      "update kubernetes:core/v1:NodePatch",
    ]);
    const node = config.nodes.find((n) => n.mig)?.name ?? "";
    assert.ok(changes.some((c) => c.type.endsWith("NodePatch") && c.name.endsWith(node)));
  });

  test("destroy completes, keeps the namespace, the home claims, the database claim and the storage", (t) => {
    t.diagnostic(
      `destroy: ${proof.destroy.deleted} deleted in ${proof.destroy.seconds.toFixed(1)} s; kept ${proof.destroy.kept.join(", ")}`,
    );
    assert.ok(proof.destroy.deleted > 0);
    const kept = new Set(proof.destroy.kept);
    for (const thing of [
      `namespace ${config.cluster.namespace}`,
      `claim ${proof.userData.claim}`,
      `storageclass ${config.storage.storageClass.name}`,
      ...(proof.userData.databaseClaim ? [`claim ${proof.userData.databaseClaim}`] : []),
      ...(config.storage.datasets.enabled ? [`volume ${NAMES.datasetsVolume}`] : []),
    ])
      assert.ok(kept.has(thing), `${thing} survives destroy`);
  });

  test("after destroy and a new up, the user's files are where the hub will mount them", () => {
    assert.equal(proof.upAgain.created, proof.up.created);
    assert.equal(proof.userData.kept, true);
  });

  test("after destroy and a new up, the hub's database still knows its users, under a new password", (t) => {
    if (config.database.type !== "postgres") return t.skip("the stack uses an external database");
    t.diagnostic(`hub users: ${proof.userData.hubUsers?.join(", ")}`);
    assert.ok(proof.userData.hubUsers?.includes(proof.userData.user));
    assert.equal(proof.userData.databasePasswordChanged, true, "the generated password is new after destroy");
  });
});
