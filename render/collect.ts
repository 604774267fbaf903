/**
 * Runs the platform's components against an in-process mock engine (Pulumi's own
 * `runtime.setMocks`) and collects every resource they register, in registration order, with
 * its inputs resolved. No cluster, no backend, no login. Secret values are replaced by a marker.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSecrets } from "../config/pulumi-stack";
import type { PlatformConfig } from "../config/schema/platform";

export const SECRET_MARKER = "<secret>";
/** Pulumi's marker for a secret value inside serialized inputs. */
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

export interface CollectedResource {
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  readonly inputs: Record<string, unknown>;
  readonly options: { readonly protect?: boolean; readonly retainOnDelete?: boolean };
}

/** Deterministic stand-ins for what providers compute, so dependent inputs resolve under mocks. */
function fakeProviderOutputs(type: string, name: string): Record<string, unknown> {
  const filler = (length: number) =>
    name
      .replace(/[^a-z0-9]/gi, "")
      .padEnd(length, "0")
      .slice(0, length);
  switch (type) {
    case "random:index/randomBytes:RandomBytes":
      return { hex: filler(64), base64: filler(44) };
    case "random:index/randomPassword:RandomPassword":
      return { result: filler(32) };
    case "tls:index/privateKey:PrivateKey":
      return { privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${filler(40)}\n-----END PRIVATE KEY-----\n` };
    case "tls:index/selfSignedCert:SelfSignedCert":
      return { certPem: `-----BEGIN CERTIFICATE-----\n${filler(40)}\n-----END CERTIFICATE-----\n` };
    default:
      return {};
  }
}

export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIGNATURE) return markAll(record.value);
    return Object.fromEntries(Object.entries(record).map(([key, child]) => [key, redactSecrets(child)]));
  }
  return value;
}

/** A secret map (a Secret's stringData) keeps its keys, so a reviewer sees what it holds but no value. */
function markAll(value: unknown): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return Object.fromEntries(Object.keys(value).map((key) => [key, SECRET_MARKER]));
  }
  return SECRET_MARKER;
}

/** Builds the Platform for `config` under mocks; resolves once every resource is registered. */
export async function collectPlatform(
  config: PlatformConfig,
  secrets: PlatformSecrets = {},
  stack = "render",
): Promise<CollectedResource[]> {
  const resources: CollectedResource[] = [];
  const options = new Map<string, CollectedResource["options"]>();
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push({
          type: args.type,
          name: args.name,
          inputs: redactSecrets(args.inputs) as Record<string, unknown>,
          options: options.get(args.name) ?? {},
        });
        return {
          id: `${args.name}-id`,
          state: { ...args.inputs, ...fakeProviderOutputs(args.type, args.name) },
        };
      },
      call: (args) => {
        throw new Error(`the platform made an unexpected provider call: ${args.token}`);
      },
    },
    "gpu-jupyterhub",
    stack,
    true,
  );
  // Resource options (protect, retainOnDelete) are not passed to mocks; a transformation records them.
  const recordOptions: pulumi.ResourceTransformation = (args) => {
    options.set(args.name, {
      protect: args.opts.protect === true,
      retainOnDelete: args.opts.retainOnDelete === true,
    });
    return undefined;
  };
  const { Platform } = await import("../components/platform");
  const { readHubFiles } = await import("../program");
  const platform = new Platform(
    "jupyterhub",
    { config, secrets, hubFiles: readHubFiles() },
    { transformations: [recordOptions] },
  );
  await new Promise<void>((resolve) => platform.urn.apply(() => resolve()));
  await pulumi.runtime.disconnect();
  return resources.map((resource) => ({
    ...resource,
    options: options.get(resource.name) ?? resource.options,
  }));
}
