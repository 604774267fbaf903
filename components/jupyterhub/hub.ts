/**
 * The hub: a ServiceAccount with the least RBAC KubeSpawner needs, ConfigMap `hub` (static files +
 * rendered settings), Deployment `hub` and Service `hub`, assembled from hub-spec.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { NAMES } from "../names";
import { objectMeta } from "../pod-defaults";
import { serviceAccountWithRoles } from "../service-account";
import { auditShipperConfigMap, auditShipperPod } from "./audit-shipper-spec";
import { type HubSourceFile, mountedHubFiles } from "./hub-files";
import {
  type HubPodRefs,
  hubCapacityGrants,
  hubConfigMap,
  hubDeployment,
  hubGrant,
  hubService,
} from "./hub-spec";

export interface HubArgs {
  readonly config: Pick<PlatformConfig, "hub" | "cluster" | "audit">;
  readonly namespace: pulumi.Input<string>;
  /** The settings document (hubSettingsJson), rendered by the Platform from the whole config. */
  readonly settings: string;
  /** The hub/ folder's files (program.ts reads them). */
  readonly files: readonly HubSourceFile[];
  readonly hubSecretName: pulumi.Input<string>;
  /** Secret `hub-db` of the in-cluster database; absent with an external one. */
  readonly databaseSecretName?: pulumi.Input<string>;
  /** Changes when a value the hub reads from its Secrets changes (HubSecrets.checksum). */
  readonly secretChecksum: pulumi.Input<string>;
  /** Secret `hub` holds the metrics token (HubSecrets.metricsToken). */
  readonly metricsToken?: boolean;
  /** Secret `hub` holds the idle-GPU notifier's SMTP password (HubSecretsArgs.smtpLogin). */
  readonly smtpPassword?: boolean;
}

export class Hub extends pulumi.ComponentResource {
  readonly serviceName: pulumi.Output<string>;
  readonly deploymentName: pulumi.Output<string>;

  constructor(name: string, args: HubArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:jupyterhub:Hub", name, {}, opts);
    const child = { parent: this };
    const { namespace, settings } = args;
    const files = mountedHubFiles(args.files);

    const account = serviceAccountWithRoles(
      name,
      objectMeta(NAMES.hubServiceAccount, namespace, "hub"),
      [
        hubGrant(name, namespace),
        ...(args.config.hub.capacity.enabled
          ? hubCapacityGrants(name, namespace, args.config.cluster.namespace)
          : []),
      ],
      child,
    );
    const configMap = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      hubConfigMap(namespace, settings, files),
      child,
    );
    const { shipping } = args.config.audit;
    const shipperConfig = shipping
      ? new k8s.core.v1.ConfigMap(`${name}-audit-shipper`, auditShipperConfigMap(namespace, shipping), child)
      : undefined;
    const shipper =
      shipping && shipperConfig ? auditShipperPod(shipping, shipperConfig.metadata.name) : undefined;
    const refs = podRefs(args, account.metadata.name, configMap.metadata.name);
    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      hubDeployment(namespace, args.config.hub, settings, files, refs, shipper),
      child,
    );
    const service = new k8s.core.v1.Service(`${name}-service`, hubService(namespace), child);

    this.serviceName = service.metadata.name;
    this.deploymentName = deployment.metadata.name;
    this.registerOutputs({ serviceName: this.serviceName, deploymentName: this.deploymentName });
  }
}

function podRefs(
  args: HubArgs,
  serviceAccountName: pulumi.Input<string>,
  configMapName: pulumi.Input<string>,
): HubPodRefs {
  return {
    serviceAccountName,
    configMapName,
    hubSecretName: args.hubSecretName,
    ...(args.databaseSecretName ? { databaseSecretName: args.databaseSecretName } : {}),
    secretChecksum: args.secretChecksum,
    ...(args.metricsToken ? { metricsToken: true } : {}),
    ...(args.smtpPassword ? { smtpPassword: true } : {}),
  };
}
