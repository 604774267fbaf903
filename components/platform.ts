/**
 * The whole platform as one component: every resource is a child of it, built from the one
 * validated config. Cluster services first (namespace, priorities, GPU Operator, NFS storage,
 * quotas, network policies, image pre-pullers), then the JupyterHub layer. Each component gets
 * the config sections it reads and what other components provide, nothing else.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema/platform";
import { Backup } from "./cluster/backup";
import { GpuOperator } from "./cluster/gpu-operator";
import { ImagePrePuller } from "./cluster/image-prepuller";
import { Monitoring } from "./cluster/monitoring";
import { podSecurityNamespace } from "./cluster/namespace";
import { NetworkPolicies } from "./cluster/network-policies";
import { NfsStorage } from "./cluster/nfs-storage";
import { priorityClasses } from "./cluster/priority-classes";
import { Quotas } from "./cluster/quotas";
import { userSchedulerNamespace } from "./cluster/user-scheduler-namespace";
import { Database } from "./jupyterhub/database";
import { Hub } from "./jupyterhub/hub";
import type { HubSourceFile } from "./jupyterhub/hub-files";
import { hubSettingsJson } from "./jupyterhub/hub-settings";
import { Ingress } from "./jupyterhub/ingress";
import { notifierSmtpLogin } from "./jupyterhub/notifier-settings";
// biome-ignore lint/suspicious/noShadowRestrictedNames: the component named after its type token (…:Proxy).
import { Proxy } from "./jupyterhub/proxy";
import { HubSecrets, type SuppliedSecrets } from "./jupyterhub/secrets";
import { UserScheduler } from "./jupyterhub/user-scheduler";

export interface PlatformArgs {
  readonly config: PlatformConfig;
  readonly secrets: SuppliedSecrets;
  /** The hub/ folder's files: the Platform's callers read them (program.ts), no component reads the disk. */
  readonly hubFiles: readonly HubSourceFile[];
}

/** Options of the platform's workloads: children created after the priority classes they name. */
type Placed = pulumi.ComponentResourceOptions;

export class Platform extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly hubUrl: pulumi.Output<string>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:index:Platform", name, {}, opts);
    const { config } = args;

    // Every pod here passes Pod Security "restricted", the user pods too (their security context is
    // the pod spec's, set in the hub settings, whatever the image), so restricted is enforced.
    // `pulumi destroy` keeps the namespace: deleting it would delete the users' home claims and the
    // database's claim with it, which Pulumi never created (docs/engine.md, "What destroy keeps").
    const namespace = podSecurityNamespace(`${name}-namespace`, config.cluster.namespace, "restricted", {
      parent: this,
      retainOnDelete: true,
    }).metadata.name;
    const priorities = priorityClasses(`${name}-priority`, config, { parent: this });
    const placed = { parent: this, dependsOn: [priorities.platform, priorities.users] };

    const clusterNamespaces = this.clusterServices(name, config, namespace, placed);
    const hub = this.jupyterHub(name, args, namespace, placed);
    if (config.monitoring.enabled) {
      const namespaces = { [config.cluster.namespace]: namespace, ...clusterNamespaces, ...hub.namespaces };
      const tokens = hub.metricsToken ? { hubMetricsToken: hub.metricsToken } : {};
      new Monitoring(`${name}-monitoring`, { config, namespaces, ...tokens }, placed);
    }

    this.namespace = namespace;
    this.hubUrl = pulumi.output(`https://${config.ingress.host}`);
    this.registerOutputs({ namespace: this.namespace, hubUrl: this.hubUrl });
  }

  private clusterServices(
    name: string,
    config: PlatformConfig,
    namespace: pulumi.Output<string>,
    placed: Placed,
  ) {
    const child = { parent: this };
    const gpuOperator = config.gpuOperator.enabled
      ? new GpuOperator(`${name}-gpu-operator`, { config }, child)
      : undefined;
    new NfsStorage(`${name}-storage`, { config, hubNamespace: namespace }, placed);
    new Quotas(`${name}-quotas`, { config, namespace }, child);
    new NetworkPolicies(`${name}-network-policies`, { config, namespace }, child);
    if (config.prePull.enabled) new ImagePrePuller(`${name}-prepuller`, { config, namespace }, placed);
    // The namespaces made here by name, for what other components place in them (monitoring's roles).
    return gpuOperator ? { [config.gpuOperator.namespace]: gpuOperator.namespace } : {};
  }

  private jupyterHub(name: string, args: PlatformArgs, namespace: pulumi.Output<string>, placed: Placed) {
    const { config } = args;
    const secrets = new HubSecrets(
      `${name}-secrets`,
      {
        config,
        secrets: args.secrets,
        namespace,
        metricsToken: scrapesHub(config),
        smtpLogin: notifierSmtpLogin(config),
      },
      { parent: this },
    );
    const { hubSecretName, databaseSecretName } = secrets;
    const namespaces: Record<string, pulumi.Output<string>> = {};
    if (config.backup.enabled) {
      // A cluster service, made here because the database's job needs the password HubSecrets generates.
      const { databasePassword } = secrets;
      const { backupPassword: password, backupCredentials } = args.secrets;
      const backupArgs = { config, credentials: backupCredentials ?? {}, ...(password ? { password } : {}) };
      const backup = new Backup(
        `${name}-backup`,
        { ...backupArgs, ...(databasePassword ? { databasePassword } : {}) },
        placed,
      );
      namespaces[config.backup.namespace] = backup.namespace;
    }
    if (config.database.type === "postgres" && databaseSecretName) {
      const database = { database: config.database };
      new Database(`${name}-database`, { config: database, namespace, databaseSecretName }, placed);
    }
    new Hub(
      `${name}-hub`,
      {
        config,
        namespace,
        settings: hubSettingsJson(config),
        files: args.hubFiles,
        hubSecretName,
        ...(databaseSecretName ? { databaseSecretName } : {}),
        secretChecksum: secrets.checksum,
        metricsToken: scrapesHub(config),
        smtpPassword: notifierSmtpLogin(config),
      },
      placed,
    );
    const proxy = new Proxy(`${name}-proxy`, { config, namespace, hubSecretName }, placed);
    if (config.userScheduler.enabled) {
      // Its own namespace: a pod the hub creates must not be able to use the scheduler's account.
      const schedulerNamespace = userSchedulerNamespace(`${name}-user-scheduler-namespace`, config, {
        parent: this,
      });
      new UserScheduler(`${name}-user-scheduler`, { config, namespace: schedulerNamespace }, placed);
      namespaces[config.userScheduler.namespace] = schedulerNamespace;
    }
    new Ingress(
      `${name}-ingress`,
      { config, namespace, proxyPublicServiceName: proxy.publicServiceName },
      { parent: this },
    );
    return { namespaces, metricsToken: secrets.metricsToken };
  }
}

/** Prometheus scrapes the hub's /hub/metrics, so the hub gets a token for it. */
const scrapesHub = (config: PlatformConfig) => config.monitoring.enabled && config.monitoring.targets.hub;
