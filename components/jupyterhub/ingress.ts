/**
 * The public entry: an Ingress for the host with TLS (an existing certificate Secret in prod, the
 * ingress controller's default certificate, or a generated self-signed one), long timeouts for
 * kernel websockets and a body size for notebook uploads. An Ingress can only name a Secret of its
 * own namespace, the hub's, where any pod the hub creates could mount it: docs/operations.md,
 * "The TLS certificate".
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { PlatformConfig } from "../../config/schema/platform";
import { NAMES } from "../names";
import { objectMeta } from "../pod-defaults";
import { secretValues } from "./secrets";

export interface IngressArgs {
  readonly config: Pick<PlatformConfig, "ingress">;
  readonly namespace: pulumi.Input<string>;
  readonly proxyPublicServiceName: pulumi.Input<string>;
}

/** Annotations ingress-nginx understands; other controllers ignore them. */
function ingressAnnotations(config: Pick<PlatformConfig, "ingress">): Record<string, string> {
  const timeout = String(config.ingress.timeoutSeconds);
  return {
    "nginx.ingress.kubernetes.io/proxy-body-size": config.ingress.proxyBodySize,
    "nginx.ingress.kubernetes.io/proxy-read-timeout": timeout,
    "nginx.ingress.kubernetes.io/proxy-send-timeout": timeout,
    "nginx.ingress.kubernetes.io/ssl-redirect": "true",
  };
}

export class Ingress extends pulumi.ComponentResource {
  constructor(name: string, args: IngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:jupyterhub:Ingress", name, {}, opts);
    const child = { parent: this };
    const { config, namespace } = args;
    const host = config.ingress.host;
    const { tls: tlsConfig } = config.ingress;
    // controllerDefault: no secretName, so the controller serves its default certificate for the
    // host, and no certificate's key lies in the namespace where the hub creates pods.
    const tlsSecretName =
      tlsConfig.mode === "existingSecret"
        ? pulumi.output(tlsConfig.secretName)
        : tlsConfig.mode === "selfSigned"
          ? this.selfSignedCertificate(name, host, namespace)
          : undefined;
    new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      {
        metadata: {
          ...objectMeta(NAMES.ingress, namespace, "proxy"),
          annotations: ingressAnnotations(config),
        },
        spec: {
          ingressClassName: config.ingress.className,
          tls: [{ hosts: [host], ...(tlsSecretName ? { secretName: tlsSecretName } : {}) }],
          rules: [
            {
              host,
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: args.proxyPublicServiceName, port: { name: "http" } } },
                  },
                ],
              },
            },
          ],
        },
      },
      child,
    );
    this.registerOutputs({});
  }

  private selfSignedCertificate(
    name: string,
    host: string,
    namespace: pulumi.Input<string>,
  ): pulumi.Output<string> {
    const child = { parent: this };
    const key = new tls.PrivateKey(`${name}-tls-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
    const certificate = new tls.SelfSignedCert(
      `${name}-tls-cert`,
      {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: host, organization: "JupyterHub (self-signed)" },
        dnsNames: [host],
        validityPeriodHours: 24 * 365,
        earlyRenewalHours: 24 * 30,
        allowedUses: ["key_encipherment", "digital_signature", "server_auth"],
      },
      child,
    );
    const secret = new k8s.core.v1.Secret(
      `${name}-tls`,
      {
        metadata: objectMeta(NAMES.selfSignedTlsSecret, namespace, "proxy"),
        type: "kubernetes.io/tls",
        stringData: secretValues({ "tls.crt": certificate.certPem, "tls.key": key.privateKeyPem }),
      },
      child,
    );
    return secret.metadata.name;
  }
}
