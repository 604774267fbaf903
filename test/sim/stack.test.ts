/**
 * The rendered prod stack on a simulated cluster (real kube-apiserver, etcd, controller-manager
 * and scheduler, kwok nodes shaped like the inventory): every object is accepted with strict
 * validation, the platform's workloads come up, the nodes look like the GPU Operator's, and the
 * platform's own pods take from the quota exactly what the capacity planner subtracts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { namespaceOverhead } from "../../capacity/overhead";
import { NAMES } from "../../components/names";
import { expectedNodeLabels } from "../../config/node-labels";
import { parseQuantity } from "../../config/quantity";
import { applyRendered, FIELD_MANAGER } from "../../sim/apply";
import { nodeResourceList } from "../../sim/nodes";
import { waitFor } from "../../sim/wait";
import { workloadStates } from "../../sim/workloads";
import { SETUP_TIMEOUT, type SimulatedStack, simulatedStack, tearDown } from "./support";

const NAME = "e2e-stack";
/** Millicores, so 0.1 + 0.2 style float sums compare equal. */
const millis = (cores: number | undefined) => Math.round((cores ?? 0) * 1000);
let sim: SimulatedStack | undefined;
const stack = () => sim as SimulatedStack;

before(
  async () => {
    sim = await simulatedStack(NAME);
  },
  { timeout: SETUP_TIMEOUT },
);

after(() => tearDown(sim, NAME));

describe("the rendered prod stack on a simulated cluster", () => {
  test("the API server accepts every rendered object (strict schema, RBAC, admission); charts are only noted", (t) => {
    const { apply } = stack().deploy;
    assert.equal(apply.objects.length, stack().objects.length, "one apply per rendered object");
    const refused = apply.objects.filter((object) => object.result === "failed");
    assert.deepEqual(refused, [], "refused objects");
    for (const skipped of apply.objects.filter((object) => object.result === "skipped"))
      assert.match(skipped.message ?? "", /CRD not installed/, `${skipped.kind} ${skipped.name}`);
    assert.ok(apply.charts.length > 0 && apply.charts.every((chart) => chart.file.endsWith(".chart.yaml")));
    const kinds = [...new Set(apply.objects.map((object) => object.kind))];
    t.diagnostic(
      `${apply.objects.length} objects of ${kinds.length} kinds in ${(apply.elapsedMs / 1000).toFixed(1)} s; not applied: ${apply.charts.map((c) => c.file).join(", ")}`,
    );
  });

  test("the check is real: an object with an unknown field is refused", async () => {
    const deployment = stack().objects.find((object) => object.kind === "Deployment");
    assert.ok(deployment);
    const broken = {
      ...deployment,
      metadata: { name: "strict-check", namespace: deployment.metadata.namespace },
      spec: { ...deployment.spec, replicass: 1 },
    };
    const response = await stack().cluster.client.apply(
      `/apis/apps/v1/namespaces/${deployment.metadata.namespace}/deployments/strict-check`,
      broken,
      FIELD_MANAGER,
    );
    // Server-side apply answers 500 "field not declared in schema" (a typed-patch error), not 400.
    assert.ok(response.status >= 400, `status ${response.status}`);
    assert.match(response.body.message ?? "", /\.spec\.replicass: field not declared in schema/);
  });

  test("an object whose CRD is not installed is skipped with a note, a chart file is listed, not applied", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sim-crd-"));
    try {
      writeFileSync(
        path.join(dir, "gpu-operator.yaml"),
        "apiVersion: nvidia.com/v1\nkind: ClusterPolicy\nmetadata:\n  name: cluster-policy\nspec: {}\n",
      );
      writeFileSync(
        path.join(dir, "gpu-operator.chart.yaml"),
        "---\nreleaseName: gpu-operator\nnamespace: gpu-operator\nchart: gpu-operator\nvalues: {}\n",
      );
      const report = await applyRendered(stack().cluster.client, dir);
      assert.deepEqual(
        report.objects.map((object) => [object.kind, object.result, object.message]),
        [
          [
            "ClusterPolicy",
            "skipped",
            "the API server has no nvidia.com/v1 ClusterPolicy (CRD not installed)",
          ],
        ],
      );
      assert.deepEqual(report.charts, [
        { file: "gpu-operator.chart.yaml", charts: ["gpu-operator (release gpu-operator)"] },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("hub, proxy and user-scheduler are Available, and every workload's pods run (kwok)", async (t) => {
    const { deploy, cluster, config } = stack();
    assert.deepEqual(
      deploy.deployments.map((d) => d.name),
      ["hub", "proxy", "user-scheduler"],
    );
    const namespaces = [
      config.cluster.namespace,
      config.storage.provisionerNamespace,
      config.userScheduler.namespace,
    ];
    const states = await waitFor(
      "every workload ready",
      async () => {
        const all = await workloadStates(cluster.client, namespaces);
        return all.every((w) => w.desired > 0 && w.ready === w.desired) ? all : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    t.diagnostic(states.map((w) => `${w.kind} ${w.name} ${w.ready}/${w.desired}`).join("; "));
  });

  test("every node has the inventory's name, the GPU Operator's labels and the advertised GPU/MIG resources", async () => {
    interface Node {
      metadata: { name: string; labels: Record<string, string> };
      status: { allocatable: Record<string, string>; capacity: Record<string, string> };
    }
    const nodes = await stack().cluster.client.list<Node>("/api/v1/nodes");
    assert.deepEqual(
      nodes.map((node) => node.metadata.name).sort(),
      stack()
        .config.nodes.map((node) => node.name)
        .sort(),
    );
    for (const spec of stack().config.nodes) {
      const node = nodes.find((candidate) => candidate.metadata.name === spec.name) as Node;
      for (const [key, value] of Object.entries(expectedNodeLabels(spec)))
        assert.equal(node.metadata.labels[key], value, `${spec.name} label ${key}`);
      assert.deepEqual(node.status.allocatable, nodeResourceList(spec), `${spec.name} allocatable`);
      assert.deepEqual(node.status.capacity, nodeResourceList(spec), `${spec.name} capacity`);
    }
    // Counted again from each MIG layout itself, not through nodeResourceList(): every slice of the
    // layout is a device, and a node whose GPUs are all split offers no whole GPU.
    const migNodes = stack().config.nodes.filter((spec) => spec.mig);
    assert.ok(migNodes.length > 0, "the inventory has a MIG node");
    for (const spec of migNodes) {
      const node = nodes.find((candidate) => candidate.metadata.name === spec.name) as Node;
      const slices: Record<string, number> = {};
      const split = new Set<number>();
      for (const group of spec.mig?.layout ?? []) {
        for (const gpu of group.gpus) split.add(gpu);
        for (const [slice, perGpu] of Object.entries(group.slices))
          slices[slice] = (slices[slice] ?? 0) + perGpu * group.gpus.length;
      }
      for (const [slice, count] of Object.entries(slices))
        assert.equal(
          node.status.allocatable[`nvidia.com/mig-${slice}`],
          String(count),
          `${spec.name} ${slice}`,
        );
      if (split.size === spec.gpu?.count)
        assert.equal(node.status.allocatable["nvidia.com/gpu"], undefined, `${spec.name} whole GPUs`);
    }
  });

  test("RuntimeClass nvidia (k3s ships it; the sim creates it) admits GPU pods; a missing one is refused", async () => {
    const { cluster, config } = stack();
    const runtimeClass = await cluster.client.find<{ handler: string }>(
      `/apis/node.k8s.io/v1/runtimeclasses/${config.gpuOperator.runtimeClassName}`,
    );
    assert.equal(runtimeClass?.handler, "nvidia");
    const pod = (runtimeClassName: string) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `runtime-${runtimeClassName}` },
      spec: {
        runtimeClassName,
        containers: [
          {
            name: "c",
            image: "registry.k8s.io/pause:3.10",
            resources: { requests: { cpu: "10m", memory: "8Mi" }, limits: { cpu: "10m", memory: "8Mi" } },
          },
        ],
      },
    });
    const missing = await cluster.client.request("POST", "/api/v1/namespaces/default/pods", pod("missing"));
    assert.equal(missing.status, 403);
    assert.match((missing.body as { message: string }).message, /RuntimeClass "missing" not found/);
    const admitted = await cluster.client.request("POST", "/api/v1/namespaces/default/pods", pod("nvidia"));
    assert.equal(admitted.status, 201, JSON.stringify(admitted.body));
    await cluster.client.remove("/api/v1/namespaces/default/pods/runtime-nvidia");
  });

  test("the platform's own pods and claims take from the quota exactly the planner's overhead", async (t) => {
    const { cluster, config, objects } = stack();
    const namespace = config.cluster.namespace;
    const overhead = namespaceOverhead(config, objects).quota;
    // Wait until every platform pod and claim exists (the quota counts them once created).
    await waitFor(
      "the platform's pods",
      async () =>
        (await workloadStates(cluster.client, [namespace])).every(
          (w) => w.desired > 0 && w.ready === w.desired,
        ),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const quota = await waitFor(
      "the quota's usage to settle",
      async () => {
        const found = await cluster.client.get<{ status: { used: Record<string, string> } }>(
          `/api/v1/namespaces/${namespace}/resourcequotas/${NAMES.quota}`,
        );
        const used = found.status.used;
        return millis(parseQuantity(used["requests.cpu"] ?? "0")) === millis(overhead.cpu) ? used : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    ).catch(
      async () =>
        (
          await cluster.client.get<{ status: { used: Record<string, string> } }>(
            `/api/v1/namespaces/${namespace}/resourcequotas/${NAMES.quota}`,
          )
        ).status.used,
    );
    const real = {
      cpu: millis(parseQuantity(quota["requests.cpu"] ?? "0")),
      memory: parseQuantity(quota["requests.memory"] ?? "0"),
      persistentvolumeclaims: Number(quota.persistentvolumeclaims ?? 0),
    };
    t.diagnostic(`quota used ${JSON.stringify(quota)}; planner overhead ${JSON.stringify(overhead)}`);
    assert.deepEqual(real, {
      cpu: millis(overhead.cpu),
      memory: overhead.memory ?? 0,
      persistentvolumeclaims: overhead.persistentvolumeclaims ?? 0,
    });
  });
});
