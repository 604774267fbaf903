/** Calling policies directly, without the engine: fake validation args, collected violations. */
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { CollectedResource } from "../../render/collect";

class NotApplicable extends Error {}

// biome-ignore lint/suspicious/noExplicitAny: policy props are untyped JSON.
type Props = Record<string, any>;

const OPTIONS = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  additionalSecretOutputs: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
};

export interface FakeResource {
  readonly type: string;
  readonly props: Props;
  readonly name?: string;
  readonly protect?: boolean;
  readonly stack?: string;
}

function validationArgs(resource: FakeResource): ResourceValidationArgs {
  const name = resource.name ?? String(resource.props.metadata?.name ?? "x");
  return {
    type: resource.type,
    props: resource.props,
    urn: `urn:pulumi:${resource.stack ?? "prod"}::gpu-jupyterhub::${resource.type}::${name}`,
    name,
    opts: { ...OPTIONS, protect: resource.protect === true },
    stackTags: new Map(),
    // biome-ignore lint/suspicious/noExplicitAny: mirrors the SDK's signature.
    isType: (cls: any) => cls.__pulumiType === resource.type,
    // biome-ignore lint/suspicious/noExplicitAny: mirrors the SDK's signature.
    asType: (cls: any) => (cls.__pulumiType === resource.type ? (resource.props as any) : undefined),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  } as ResourceValidationArgs;
}

export async function resourceViolations(
  policy: ResourceValidationPolicy,
  resource: FakeResource,
): Promise<string[]> {
  const violations: string[] = [];
  const validations = policy.validateResource
    ? Array.isArray(policy.validateResource)
      ? policy.validateResource
      : [policy.validateResource]
    : [];
  for (const validate of validations) {
    try {
      await validate(validationArgs(resource), (message) => violations.push(message));
    } catch (error) {
      if (!(error instanceof NotApplicable)) throw error;
    }
  }
  return violations;
}

export async function stackViolations(
  policy: StackValidationPolicy,
  resources: FakeResource[],
): Promise<string[]> {
  const violations: string[] = [];
  const policyResources = resources.map((resource) => {
    const args = validationArgs(resource);
    return { ...args, dependencies: [], propertyDependencies: {} } as unknown as PolicyResource;
  });
  await policy.validateStack(
    {
      resources: policyResources,
      stackTags: new Map(),
      getConfig: <T extends object>() => ({}) as T,
      notApplicable: (reason?: string): never => {
        throw new NotApplicable(reason);
      },
    } as never,
    (message) => violations.push(message),
  );
  return violations;
}

/** The rendered platform as policy inputs. */
export function fromCollected(resources: readonly CollectedResource[]): FakeResource[] {
  return resources
    .filter((resource) => resource.type.startsWith("kubernetes:"))
    .map((resource) => ({
      type: resource.type,
      props: resource.inputs as Props,
      name: resource.name,
      protect: resource.options.protect === true,
    }));
}
