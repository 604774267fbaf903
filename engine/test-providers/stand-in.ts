/**
 * What the engine harness's TEST STAND-INS for the random and tls provider plugins share
 * (random.ts, tls.ts; why they exist is in their headers): one provider object serving a fixed
 * set of resource types, RPC secrets and unknowns, replace-on-any-change diffs, and serving over
 * gRPC when a stand-in module is run as the plugin. For the engine test harness only.
 *
 * The SDK's provider server hands over raw RPC values (it does not deserialize them): secrets
 * arrive as `{ [specialSigKey]: specialSecretSig, value }` objects and, in previews, unknown
 * values as the `unknownValue` string. Outputs go back the same way, and the server fails with
 * "Unexpected struct type." on an `undefined` value, so outputs never carry one.
 */
import { isDeepStrictEqual } from "node:util";
import {
  type CheckFailure,
  type CheckResult,
  type CreateResult,
  type DiffResult,
  main,
  type Provider,
  type ReadResult,
} from "@pulumi/pulumi/provider";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";

/** What GetPluginInfo reports: never an upstream version, so engine logs show what really ran. */
export const STAND_IN_VERSION = "0.0.0-test-stand-in";

export type Props = Record<string, unknown>;

export interface RpcSecret {
  readonly [specialSigKey]: typeof specialSecretSig;
  readonly value: unknown;
}

export function isSecret(value: unknown): value is RpcSecret {
  return typeof value === "object" && value !== null && specialSigKey in value
    ? (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
    : false;
}

/** `value` marked secret for the engine (once: an already wrapped value is returned as it is). */
export function secret(value: unknown): RpcSecret {
  return isSecret(value) ? value : { [specialSigKey]: specialSecretSig, value };
}

/** `value` with every secret wrapper removed, at any depth. */
export function plain(value: unknown): unknown {
  if (isSecret(value)) return plain(value.value);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
  return value;
}

/** Whether `value` is, or contains, a value the engine does not know yet (previews only). */
export function isUnknown(value: unknown): boolean {
  const bare = plain(value);
  if (bare === unknownValue) return true;
  if (typeof bare === "object" && bare !== null) return Object.values(bare).some(isUnknown);
  return false;
}

/** The resource type in a URN: `urn:pulumi:stack::project::parent$type::name` → `type`. */
export function resourceType(urn: string): string {
  return urn.split("::")[2]?.split("$").at(-1) ?? "";
}

/** `props` without its undefined entries (the provider server cannot send them). */
export function definedOnly(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));
}

/**
 * A check failure for `property` unless `accepts` its value ("<property> <reason>, got <value>").
 * Absent and unknown values pass: `required` reports absent ones, and previews may not know a value.
 */
export function expect(
  inputs: Props,
  property: string,
  accepts: (value: unknown) => boolean,
  reason: string,
): CheckFailure[] {
  const value = inputs[property];
  if (value === undefined || isUnknown(value) || accepts(value)) return [];
  return [{ property, reason: `${property} ${reason}, got ${JSON.stringify(value)}` }];
}

export function required(inputs: Props, ...properties: string[]): CheckFailure[] {
  return properties
    .filter((property) => inputs[property] === undefined)
    .map((property) => ({ property, reason: `${property} is required` }));
}

export const isBoolean = (value: unknown): boolean => typeof value === "boolean";

export const isIntegerAtLeast =
  (min: number) =>
  (value: unknown): boolean =>
    Number.isInteger(value) && (value as number) >= min;

export const isStringList = (value: unknown): boolean =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

/** One resource type of a stand-in. */
export interface StandInResource {
  /** Every input the type accepts: a change to any of them replaces the resource. */
  readonly inputs: readonly string[];
  /** Outputs sent as RPC secrets: the upstream SDK's `additionalSecretOutputs` that are produced. */
  readonly secretOutputs: readonly string[];
  /** The inputs with the upstream provider's defaults filled in (values may be secrets or unknowns). */
  withDefaults(news: Props): Props;
  /** What is wrong with the known values among plain (secret-unwrapped) inputs; a reason per property. */
  validate(inputs: Props): CheckFailure[];
  /** The id and the computed outputs, from plain, fully known, valid inputs. */
  create(inputs: Props): Promise<{ id: string; outputs: Props }>;
}

/**
 * A provider serving exactly `resources` for the `plugin` package. Check fills in defaults and
 * reports invalid or unsupported inputs; diff replaces on any input change; create echoes the
 * inputs (as upstream state does) next to the computed outputs; read returns the state unchanged;
 * update is never expected (every change replaces); delete has nothing to remove.
 */
export function standInProvider(
  plugin: "random" | "tls",
  resources: Readonly<Record<string, StandInResource>>,
) {
  const label = `pulumi-resource-${plugin} (test stand-in for the engine harness)`;
  const resourceOf = (urn: string): StandInResource => {
    const type = resourceType(urn);
    const resource = resources[type];
    if (resource === undefined)
      throw new Error(`${label} supports only ${Object.keys(resources).join(" and ")}, not ${type} (${urn})`);
    return resource;
  };
  const failuresOf = (resource: StandInResource, inputs: Props): CheckFailure[] =>
    resource.validate(plain(inputs) as Props).map(({ property, reason }) => ({
      property,
      reason: `${label}: ${reason}`,
    }));

  return {
    version: STAND_IN_VERSION,

    async check(urn: string, _olds: Props, news: Props): Promise<CheckResult> {
      const resource = resourceOf(urn);
      const inputs = definedOnly(resource.withDefaults(news));
      const failures = failuresOf(resource, inputs);
      return failures.length > 0 ? { inputs, failures } : { inputs };
    },

    async diff(_id: string, urn: string, olds: Props, news: Props): Promise<DiffResult> {
      const replaces = resourceOf(urn).inputs.filter(
        (key) => isUnknown(news[key]) || !isDeepStrictEqual(plain(olds[key]), plain(news[key])),
      );
      return replaces.length > 0 ? { changes: true, replaces } : { changes: false };
    },

    async create(urn: string, news: Props): Promise<CreateResult> {
      const resource = resourceOf(urn);
      const inputs = definedOnly(resource.withDefaults(news));
      const unknown = Object.keys(inputs).filter((key) => isUnknown(inputs[key]));
      if (unknown.length > 0)
        throw new Error(`${label}: cannot create with unknown inputs: ${unknown.join(", ")}`);
      const failures = failuresOf(resource, inputs);
      if (failures.length > 0)
        throw new Error(failures.map(({ property, reason }) => `${property}: ${reason}`).join("; "));
      const { id, outputs } = await resource.create(plain(inputs) as Props);
      const outs: Props = { ...inputs, ...outputs };
      for (const key of resource.secretOutputs) if (outs[key] !== undefined) outs[key] = secret(outs[key]);
      return { id, outs: definedOnly(outs) };
    },

    async read(id: string, urn: string, props?: Props): Promise<ReadResult> {
      resourceOf(urn);
      return { id, props: props ?? {} };
    },

    async update(_id: string, urn: string): Promise<never> {
      resourceOf(urn);
      throw new Error(`${label}: every input change replaces the resource, so an update is never expected`);
    },

    async delete(_id: string, urn: string): Promise<void> {
      resourceOf(urn);
    },
  } satisfies Provider;
}

/**
 * Serves `provider` as a plugin: the SDK's `main` listens on 127.0.0.1 and prints the port as the
 * only line on stdout, which the engine reads (nothing else may write to stdout). The engine's
 * address is the argument; the server connects to it only for construct/call and logging.
 */
export function serve(provider: Provider): void {
  main(provider, process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
