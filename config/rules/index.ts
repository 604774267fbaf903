/** Every cross-field rule, run after the schema has accepted the config; all problems are reported at once. */
import type { RuleIssue } from "../issues";
import type { PlatformConfig } from "../schema/platform";
import { auditShippingIsSound } from "./audit";
import { backupRepositoryIsSet } from "./backup";
import {
  customImageGpusFitSomeNode,
  everyProfileFitsSomeNode,
  migSliceExistsInSomeLayout,
  quotaAdmitsEveryProfile,
  quotaSlicesExist,
  resourceRequestsWithinLimits,
} from "./capacity";
import { cullerTimeoutWithinMaxAge, profileTimeoutsTakeEffect } from "./culling";
import { nfsServerIsSet } from "./deploy";
import { gpuProfilesOnlyForGpuGroups, referencedGroupsExist } from "./groups";
import { notifierIsComplete, notifierTemplatesAreValid, smtpLoginIsWhole } from "./monitoring";
import { namespacesAreDistinct } from "./namespaces";
import { identityProviderReachable, metadataAddressStaysClosed } from "./network";
import {
  migLayoutNamesConsistent,
  migLayoutsFitTheGpus,
  nodeLabelsLeaveGpuLabelsAlone,
  uniqueNodeNames,
} from "./nodes";
import {
  customImageDefaultFromAllowedRegistry,
  customImageHasNoFixedGpu,
  customImageOnlyForAdmins,
  exactlyOneDefault,
  guaranteeWithinLimit,
  idleTimeoutWithinRuntime,
  uniqueSlugs,
} from "./profiles";
import { budgetsNameKnownGroups, migSlicesArePriced } from "./usage";

export type Rule = (config: PlatformConfig) => RuleIssue[];

export const RULES: Readonly<Record<string, Rule>> = {
  uniqueSlugs,
  exactlyOneDefault,
  guaranteeWithinLimit,
  idleTimeoutWithinRuntime,
  profileTimeoutsTakeEffect,
  cullerTimeoutWithinMaxAge,
  customImageOnlyForAdmins,
  customImageHasNoFixedGpu,
  customImageDefaultFromAllowedRegistry,
  referencedGroupsExist,
  gpuProfilesOnlyForGpuGroups,
  uniqueNodeNames,
  migLayoutsFitTheGpus,
  migLayoutNamesConsistent,
  nodeLabelsLeaveGpuLabelsAlone,
  everyProfileFitsSomeNode,
  customImageGpusFitSomeNode,
  migSliceExistsInSomeLayout,
  quotaAdmitsEveryProfile,
  quotaSlicesExist,
  resourceRequestsWithinLimits,
  nfsServerIsSet,
  backupRepositoryIsSet,
  namespacesAreDistinct,
  notifierIsComplete,
  smtpLoginIsWhole,
  notifierTemplatesAreValid,
  identityProviderReachable,
  metadataAddressStaysClosed,
  budgetsNameKnownGroups,
  migSlicesArePriced,
  auditShippingIsSound,
};

/**
 * Rules about the profile set as a whole: they would mislead while a profile file is unreadable
 * (its `default: true` would be missing), so they run only on a complete set.
 */
export const SET_RULES: ReadonlySet<string> = new Set(["exactlyOneDefault"]);

export interface RunOptions {
  /** Every profile file was read and passed its schema (default true). */
  readonly completeSet?: boolean;
}

export function runRules(config: PlatformConfig, options: RunOptions = {}): RuleIssue[] {
  const complete = options.completeSet ?? true;
  return Object.entries(RULES).flatMap(([name, rule]) =>
    complete || !SET_RULES.has(name) ? rule(config) : [],
  );
}
