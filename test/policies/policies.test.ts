/** Each policy with one object that passes and objects that break it; then the whole prod render. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { hubSettings } from "../../components/jupyterhub/hub-settings";
import type { PlatformConfig } from "../../config/schema/platform";
import { TYPES } from "../../policies/lib/workloads";
import { POLICIES } from "../../policies/policies";
import { forbidPrivilegedOutsideGpuOperator } from "../../policies/rules/forbidPrivilegedOutsideGpuOperator";
import { forbidSecretsInPlainText } from "../../policies/rules/forbidSecretsInPlainText";
import { requireDefaultDenyNetworkPolicy } from "../../policies/rules/requireDefaultDenyNetworkPolicy";
import { requireGpuQuota } from "../../policies/rules/requireGpuQuota";
import { requirePinnedImages } from "../../policies/rules/requirePinnedImages";
import { requireResourceLimits } from "../../policies/rules/requireResourceLimits";
import { restrictExposedServices } from "../../policies/rules/restrictExposedServices";
import { restrictGpusToGpuProfiles } from "../../policies/rules/restrictGpusToGpuProfiles";
import { retainUserData } from "../../policies/rules/retainUserData";
import { collectPlatform } from "../../render/collect";
import { baseConfig } from "../config/base";
import { editableProdConfig, prodConfig } from "../helpers";
import { type FakeResource, fromCollected, resourceViolations, stackViolations } from "./support";

// biome-ignore lint/suspicious/noExplicitAny: fixtures are JSON.
type Json = any;

function deployment(container: Json, namespace = "jupyterhub", podExtra: Json = {}): FakeResource {
  return {
    type: TYPES.deployment,
    props: {
      metadata: { name: "web", namespace },
      spec: { template: { spec: { containers: [{ name: "main", ...container }], ...podExtra } } },
    },
  };
}

const GOOD_CONTAINER = {
  image: "quay.io/jupyterhub/k8s-hub:4.4.0",
  resources: { limits: { cpu: "1", memory: "1Gi" } },
};

function hubConfigMap(
  edit: (settings: Json) => void = () => {},
  config: PlatformConfig = prodConfig(),
): FakeResource {
  const settings = JSON.parse(JSON.stringify(hubSettings(config)));
  edit(settings);
  return {
    type: TYPES.configMap,
    props: {
      metadata: { name: "hub", namespace: "jupyterhub" },
      data: { "settings.json": JSON.stringify(settings) },
    },
  };
}

const gpuProfile = (settings: Json) => settings.profiles.find((p: Json) => p.slug === "gpu-pytorch-single");

describe("policies, each fed a passing and a failing object", () => {
  test("require resource limits", async () => {
    assert.deepEqual(await resourceViolations(requireResourceLimits, deployment(GOOD_CONTAINER)), []);
    assert.deepEqual(await resourceViolations(requireResourceLimits, hubConfigMap()), []);
    assert.deepEqual(
      await resourceViolations(
        requireResourceLimits,
        deployment({ image: "a/b:1", resources: { limits: { cpu: "1" } } }),
      ),
      ['jupyterhub/web: container "main" has no memory limit'],
    );
    const noLimit = hubConfigMap((settings) => {
      delete settings.spawner.mem_limit;
      delete gpuProfile(settings).kubespawner_override.mem_limit;
    });
    assert.deepEqual(await resourceViolations(requireResourceLimits, noLimit), [
      'profile "gpu-pytorch-single" has no mem_limit',
    ]);
  });

  test("restrict GPUs to GPU profiles", async () => {
    assert.deepEqual(await resourceViolations(restrictGpusToGpuProfiles, hubConfigMap()), []);
    const forStudents = hubConfigMap((settings) => {
      gpuProfile(settings).groups = ["cps-students"];
    });
    assert.deepEqual(await resourceViolations(restrictGpusToGpuProfiles, forStudents), [
      'profile "gpu-pytorch-single" requests nvidia.com/gpu but is open to cps-students',
    ]);
    const noRuntime = hubConfigMap((settings) => {
      gpuProfile(settings).kubespawner_override.extra_pod_config = {};
      gpuProfile(settings).kubespawner_override.node_affinity_required = [];
    });
    assert.deepEqual(await resourceViolations(restrictGpusToGpuProfiles, noRuntime), [
      'profile "gpu-pytorch-single" requests nvidia.com/gpu without runtimeClassName nvidia',
      'profile "gpu-pytorch-single" requests nvidia.com/gpu without node affinity nvidia.com/gpu.present In',
    ]);
    const migAnywhere = hubConfigMap((settings) => {
      const mig = settings.profiles.find((p: Json) => p.slug === "mig-1g-5gb");
      mig.kubespawner_override.node_affinity_required = [];
    });
    assert.deepEqual(await resourceViolations(restrictGpusToGpuProfiles, migAnywhere), [
      'profile "mig-1g-5gb" requests nvidia.com/mig-1g.5gb without node affinity nvidia.com/mig.config Exists',
    ]);
  });

  test("the GPU runtime class is the one the hub settings name, not a fixed name", async () => {
    // The tests' own profiles (test/fixtures/base): each GPU and MIG profile, and each GPU choice of
    // the custom image, still names the old class.
    const otherRuntime = hubConfigMap((settings) => {
      settings.gpu.runtime_class_name = "nvidia-cdi";
    }, baseConfig());
    assert.deepEqual(await resourceViolations(restrictGpusToGpuProfiles, otherRuntime), [
      'profile "gpu-single" requests nvidia.com/gpu without runtimeClassName nvidia-cdi',
      'profile "gpu-dual" requests nvidia.com/gpu without runtimeClassName nvidia-cdi',
      'profile "mig-1g-5gb" requests nvidia.com/mig-1g.5gb without runtimeClassName nvidia-cdi',
      'profile "custom-image (1 GPU)" requests nvidia.com/gpu without runtimeClassName nvidia-cdi',
      'profile "custom-image (2 GPUs)" requests nvidia.com/gpu without runtimeClassName nvidia-cdi',
    ]);
    const renamedEverywhere = hubConfigMap((settings) => {
      settings.gpu.runtime_class_name = "nvidia-cdi";
      for (const profile of settings.profiles) {
        const overrides = [
          profile.kubespawner_override,
          ...Object.values(profile.custom_image?.gpu_overrides ?? {}),
        ];
        for (const override of overrides as Json[])
          if (override.extra_pod_config) override.extra_pod_config.runtimeClassName = "nvidia-cdi";
      }
    });
    assert.deepEqual(await resourceViolations(restrictGpusToGpuProfiles, renamedEverywhere), []);
    const customWithoutRuntime = hubConfigMap((settings) => {
      const custom = settings.profiles.find((p: Json) => p.slug === "custom-image");
      custom.custom_image.gpu_overrides["2"].extra_pod_config = {};
      custom.custom_image.gpu_overrides["2"].node_affinity_required = [];
    });
    assert.deepEqual(await resourceViolations(restrictGpusToGpuProfiles, customWithoutRuntime), [
      'profile "custom-image (2 GPUs)" requests nvidia.com/gpu without runtimeClassName nvidia',
      'profile "custom-image (2 GPUs)" requests nvidia.com/gpu without node affinity nvidia.com/gpu.present In',
    ]);
    const unnamed = hubConfigMap((settings) => {
      delete settings.gpu;
    });
    assert.deepEqual(await resourceViolations(restrictGpusToGpuProfiles, unnamed), [
      "the hub settings name no GPU runtime class (gpu.runtime_class_name)",
    ]);
  });

  test("require pinned images", async () => {
    assert.deepEqual(await resourceViolations(requirePinnedImages, deployment(GOOD_CONTAINER)), []);
    assert.deepEqual(
      await resourceViolations(requirePinnedImages, deployment({ ...GOOD_CONTAINER, image: "nginx:latest" })),
      [
        'jupyterhub/web: container "main": "nginx:latest" uses "latest"; pin a dated tag or a digest so every node runs the same image',
      ],
    );
    const untagged = hubConfigMap((settings) => {
      gpuProfile(settings).kubespawner_override.image = "quay.io/jupyter/pytorch-notebook";
    });
    assert.match(
      (await resourceViolations(requirePinnedImages, untagged))[0] ?? "",
      /profile "gpu-pytorch-single": .* has no tag/,
    );
  });

  test("forbid privileged containers outside the GPU Operator namespace", async () => {
    const privileged = { ...GOOD_CONTAINER, securityContext: { privileged: true } };
    assert.deepEqual(
      await resourceViolations(forbidPrivilegedOutsideGpuOperator, deployment(GOOD_CONTAINER)),
      [],
    );
    assert.deepEqual(
      await resourceViolations(
        forbidPrivilegedOutsideGpuOperator,
        deployment(privileged, "gpu-operator", { hostPID: true }),
      ),
      [],
    );
    assert.deepEqual(
      await resourceViolations(
        forbidPrivilegedOutsideGpuOperator,
        deployment(privileged, "jupyterhub", { hostNetwork: true }),
      ),
      ["jupyterhub/web uses hostNetwork", 'jupyterhub/web: container "main" is privileged'],
    );
  });

  const denyAll: FakeResource = {
    type: TYPES.networkPolicy,
    props: {
      metadata: { name: "default-deny", namespace: "jupyterhub" },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    },
  };

  test("require a default-deny network policy", async () => {
    assert.deepEqual(
      await stackViolations(requireDefaultDenyNetworkPolicy, [deployment(GOOD_CONTAINER), denyAll]),
      [],
    );
    const allowsAll: FakeResource = {
      ...denyAll,
      props: { ...denyAll.props, spec: { ...denyAll.props.spec, ingress: [{}] } },
    };
    assert.deepEqual(
      await stackViolations(requireDefaultDenyNetworkPolicy, [deployment(GOOD_CONTAINER), allowsAll]),
      ['namespace "jupyterhub" runs workloads but has no default-deny NetworkPolicy'],
    );
  });

  const quota = (hard: Json): FakeResource => ({
    type: TYPES.resourceQuota,
    props: { metadata: { name: "q", namespace: "jupyterhub" }, spec: { hard } },
  });

  test("require a namespace quota that covers GPUs", async () => {
    const full = { "requests.cpu": "200", "requests.memory": "1Ti", "requests.nvidia.com/gpu": "8" };
    assert.deepEqual(await stackViolations(requireGpuQuota, [hubConfigMap(), quota(full)]), []);
    assert.deepEqual(await stackViolations(requireGpuQuota, [hubConfigMap()]), [
      'namespace "jupyterhub" has no ResourceQuota',
    ]);
    assert.deepEqual(
      await stackViolations(requireGpuQuota, [
        hubConfigMap(),
        quota({ "requests.cpu": "200", "requests.memory": "1Ti" }),
      ]),
      ['the ResourceQuota of namespace "jupyterhub" does not cover requests.nvidia.com/gpu'],
    );
  });

  const storageClass = (props: Json): FakeResource => ({
    type: TYPES.storageClass,
    props: { metadata: { name: "nfs-client" }, provisioner: "cps/nfs", ...props },
    protect: true,
  });

  test("retain user data", async () => {
    assert.deepEqual(
      await stackViolations(retainUserData, [hubConfigMap(), storageClass({ reclaimPolicy: "Retain" })]),
      [],
    );
    assert.deepEqual(
      await stackViolations(retainUserData, [
        hubConfigMap(),
        storageClass({ reclaimPolicy: "Delete", parameters: { onDelete: "retain" } }),
      ]),
      [],
    );
    assert.deepEqual(
      await stackViolations(retainUserData, [
        hubConfigMap(),
        storageClass({ reclaimPolicy: "Delete", parameters: { onDelete: "delete" } }),
      ]),
      ['StorageClass "nfs-client" deletes user data when a claim is deleted'],
    );
    assert.deepEqual(await stackViolations(retainUserData, [hubConfigMap()]), [
      'user homes use StorageClass "nfs-client", which this stack does not define',
    ]);
  });

  test("forbid secrets in ConfigMaps and env literals", async () => {
    const secret: FakeResource = {
      type: TYPES.secret,
      props: {
        metadata: { name: "hub", namespace: "jupyterhub" },
        stringData: { token: "abcdef0123456789" },
      },
    };
    const clean = deployment({
      ...GOOD_CONTAINER,
      env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "hub", key: "token" } } }],
    });
    assert.deepEqual(await stackViolations(forbidSecretsInPlainText, [secret, clean, hubConfigMap()]), []);
    const leakyEnv = deployment({ ...GOOD_CONTAINER, env: [{ name: "TOKEN", value: "abcdef0123456789" }] });
    const leakyMap: FakeResource = {
      type: TYPES.configMap,
      props: {
        metadata: { name: "app", namespace: "jupyterhub" },
        data: { "config.py": "token = 'abcdef0123456789'" },
      },
    };
    assert.deepEqual(await stackViolations(forbidSecretsInPlainText, [secret, leakyEnv, leakyMap]), [
      'jupyterhub/web: env TOKEN of "main" contains a Secret\'s value',
      'ConfigMap jupyterhub/app key "config.py" contains a Secret\'s value',
    ]);
  });

  test("restrict exposed services to what the stack config allows", async () => {
    const service = (name: string, type: string): FakeResource => ({
      type: TYPES.service,
      props: { metadata: { name, namespace: "jupyterhub" }, spec: { type } },
    });
    const exposed = (...services: FakeResource[]) =>
      stackViolations(restrictExposedServices, [hubConfigMap(), ...services]);
    assert.deepEqual(await exposed(service("hub", "ClusterIP"), service("proxy-public", "ClusterIP")), []);
    assert.deepEqual(await exposed(service("proxy-public", "LoadBalancer")), [
      "Service jupyterhub/proxy-public is of type LoadBalancer, which the stack config does not allow",
    ]);
    assert.deepEqual(await exposed(service("hub", "NodePort")), [
      "Service jupyterhub/hub is of type NodePort, which the stack config does not allow",
    ]);
    const loadBalanced = hubConfigMap((settings) => {
      settings.proxy.public_service_type = "LoadBalancer";
    });
    assert.deepEqual(
      await stackViolations(restrictExposedServices, [
        loadBalanced,
        service("proxy-public", "LoadBalancer"),
        service("hub", "LoadBalancer"),
      ]),
      ["Service jupyterhub/hub is of type LoadBalancer, which the stack config does not allow"],
    );
    assert.deepEqual(
      await stackViolations(restrictExposedServices, [service("proxy-public", "LoadBalancer")]),
      ["Service jupyterhub/proxy-public is of type LoadBalancer, which the stack config does not allow"],
      "without hub settings nothing allows it",
    );
  });
});

describe("the policy pack", () => {
  test("every policy has a qualified name, a description and an enforcement level", () => {
    for (const policy of POLICIES) {
      assert.match(policy.name, /^gpu-jupyterhub-[a-z-]+$/);
      assert.ok(policy.description.length > 20, policy.name);
      assert.ok(["mandatory", "advisory"].includes(String(policy.enforcementLevel)), policy.name);
    }
  });

  test("the full prod render passes every mandatory policy", async () => {
    assert.deepEqual(await mandatoryViolations(prodConfig()), []);
  });

  test("images pinned by digest beside their tag pass every policy, and reach the pods as written", async () => {
    const config = editableProdConfig();
    const pin = (image: string) => `${image}@sha256:${"0".repeat(64)}`;
    config.hub.image = pin(config.hub.image);
    config.proxy.image = pin(config.proxy.image);
    config.userScheduler.image = pin(config.userScheduler.image);
    config.storage.provisionerImage = pin(config.storage.provisionerImage);
    config.prePull.pauseImage = pin(config.prePull.pauseImage);
    config.monitoring.bundled.image = pin(config.monitoring.bundled.image);
    config.monitoring.kubeStateMetrics.image = pin(config.monitoring.kubeStateMetrics.image);
    if (config.database.type === "postgres") config.database.image = pin(config.database.image);
    for (const profile of config.profiles) profile.image = pin(profile.image);
    assert.deepEqual(await mandatoryViolations(config), []);
    const images = fromCollected(await collectPlatform(config)).flatMap((resource) =>
      [
        ...(resource.props.spec?.template?.spec?.initContainers ?? []),
        ...(resource.props.spec?.template?.spec?.containers ?? []),
      ].map((container: { image: string }) => container.image),
    );
    assert.ok(images.length >= 8);
    for (const image of images) assert.match(image, /:[\w.-]+@sha256:0{64}$/, image);
  });
});

/** What the mandatory policies report on the config's whole render. */
async function mandatoryViolations(config: PlatformConfig): Promise<string[]> {
  const resources = fromCollected(await collectPlatform(config));
  const violations: string[] = [];
  for (const policy of POLICIES.filter((candidate) => candidate.enforcementLevel === "mandatory")) {
    if ("validateStack" in policy) {
      violations.push(
        ...(await stackViolations(policy as StackValidationPolicy, resources)).map(
          (v) => `${policy.name}: ${v}`,
        ),
      );
    } else {
      for (const resource of resources) {
        const found = await resourceViolations(policy as ResourceValidationPolicy, resource);
        violations.push(...found.map((v) => `${policy.name}: ${v}`));
      }
    }
  }
  return violations;
}
