/**
 * The whole platform as one component: every resource is a child of it, built from the one
 * validated config. Cluster services first (namespace, priorities, GPU Operator, NFS storage,
 * quotas, network policies, image pre-pullers), then the JupyterHub layer.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema/platform";
import { GpuOperator } from "./cluster/gpu-operator";
import { ImagePrePuller } from "./cluster/image-prepuller";
import { podSecurityNamespace } from "./cluster/namespace";
import { NetworkPolicies } from "./cluster/network-policies";
import { NfsStorage } from "./cluster/nfs-storage";
import { priorityClasses } from "./cluster/priority-classes";
import { Quotas } from "./cluster/quotas";
import { Database } from "./jupyterhub/database";
import { Hub } from "./jupyterhub/hub";
import type { HubSourceFile } from "./jupyterhub/hub-files";
import { hubSettingsJson } from "./jupyterhub/hub-settings";
import { PublicIngress } from "./jupyterhub/ingress";
import { HttpProxy } from "./jupyterhub/proxy";
import { HubSecrets, type SuppliedSecrets } from "./jupyterhub/secrets";
import { UserScheduler } from "./jupyterhub/user-scheduler";

export interface PlatformArgs {
  readonly config: PlatformConfig;
  readonly secrets: SuppliedSecrets;
  /** The hub/ folder's files: the Platform's callers read them (program.ts), no component reads the disk. */
  readonly hubFiles: readonly HubSourceFile[];
}

export class Platform extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly hubUrl: pulumi.Output<string>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:index:Platform", name, {}, opts);
    const child = { parent: this };
    const { config } = args;

    // User pods share the namespace with the hub: baseline is enforced, restricted is warned about.
    // `pulumi destroy` keeps the namespace: deleting it would delete the users' home claims and the
    // database's claim with it, which Pulumi never created (docs/engine.md, "What destroy keeps").
    const namespaceResource = podSecurityNamespace(
      `${name}-namespace`,
      config.cluster.namespace,
      "baseline",
      { parent: this, retainOnDelete: true },
    );
    const namespace = namespaceResource.metadata.name;
    const priorities = priorityClasses(`${name}-priority`, config, child);
    const afterPriorities = { parent: this, dependsOn: [priorities.platform, priorities.users] };

    if (config.gpuOperator.enabled) new GpuOperator(`${name}-gpu-operator`, { config }, child);
    new NfsStorage(`${name}-storage`, { config, hubNamespace: namespace }, afterPriorities);
    new Quotas(`${name}-quotas`, { config, namespace }, child);
    new NetworkPolicies(`${name}-network-policies`, { config, namespace }, child);
    if (config.prePull.enabled)
      new ImagePrePuller(`${name}-prepuller`, { config, namespace }, afterPriorities);

    const secrets = new HubSecrets(`${name}-secrets`, { config, secrets: args.secrets, namespace }, child);
    if (config.database.type === "postgres" && secrets.databaseSecretName) {
      new Database(
        `${name}-database`,
        { config: config as DatabaseConfig, namespace, databaseSecretName: secrets.databaseSecretName },
        afterPriorities,
      );
    }
    new Hub(
      `${name}-hub`,
      {
        config,
        namespace,
        hubSecretName: secrets.hubSecretName,
        ...(secrets.databaseSecretName ? { databaseSecretName: secrets.databaseSecretName } : {}),
        secretChecksum: secrets.checksum,
        settings: hubSettingsJson(config),
        files: args.hubFiles,
      },
      afterPriorities,
    );
    const proxy = new HttpProxy(
      `${name}-proxy`,
      { config, namespace, hubSecretName: secrets.hubSecretName },
      afterPriorities,
    );
    if (config.userScheduler.enabled)
      new UserScheduler(`${name}-user-scheduler`, { config, namespace }, afterPriorities);
    new PublicIngress(
      `${name}-ingress`,
      { config, namespace, proxyPublicServiceName: proxy.publicServiceName },
      child,
    );

    this.namespace = namespace;
    this.hubUrl = pulumi.output(`https://${config.ingress.host}`);
    this.registerOutputs({ namespace: this.namespace, hubUrl: this.hubUrl });
  }
}

type DatabaseConfig = PlatformConfig & { database: { type: "postgres" } };
