/**
 * The policies and their enforcement levels, chosen here where the pack is assembled: mandatory
 * for safety (a violation fails the preview), advisory for hygiene. Tests import this file;
 * index.ts only serves it.
 */
import type { EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { forbidPrivilegedOutsideGpuOperator } from "./rules/forbidPrivilegedOutsideGpuOperator";
import { forbidSecretsInPlainText } from "./rules/forbidSecretsInPlainText";
import { requireDefaultDenyNetworkPolicy } from "./rules/requireDefaultDenyNetworkPolicy";
import { requireGpuQuota } from "./rules/requireGpuQuota";
import { requirePinnedImages } from "./rules/requirePinnedImages";
import { requireResourceLimits } from "./rules/requireResourceLimits";
import { restrictExposedServices } from "./rules/restrictExposedServices";
import { restrictGpusToGpuProfiles } from "./rules/restrictGpusToGpuProfiles";
import { retainUserData } from "./rules/retainUserData";

type Policy = ResourceValidationPolicy | StackValidationPolicy;

const LEVELS: [Policy, EnforcementLevel][] = [
  [requireResourceLimits, "mandatory"],
  [restrictGpusToGpuProfiles, "mandatory"],
  [requirePinnedImages, "mandatory"],
  [forbidPrivilegedOutsideGpuOperator, "mandatory"],
  [requireDefaultDenyNetworkPolicy, "mandatory"],
  [requireGpuQuota, "mandatory"],
  [retainUserData, "mandatory"],
  [forbidSecretsInPlainText, "mandatory"],
  [restrictExposedServices, "mandatory"],
];

export const POLICIES: Policy[] = LEVELS.map(([policy, enforcementLevel]) => ({
  ...policy,
  enforcementLevel,
}));
