/** Every cross-field rule, run after the schema has accepted the config; all problems are reported at once. */
import type { RuleIssue } from "../issues";
import type { PlatformConfig } from "../schema/platform";
import {
  everyProfileFitsSomeNode,
  migSliceExistsInSomeLayout,
  quotaAdmitsEveryProfile,
  quotaSlicesExist,
  resourceRequestsWithinLimits,
} from "./capacity";
import { nfsServerIsSet } from "./deploy";
import { gpuProfilesOnlyForGpuGroups, referencedGroupsExist } from "./groups";
import { migLayoutNamesConsistent, migLayoutsFitTheGpus, uniqueNodeNames } from "./nodes";
import {
  customImageOnlyForAdmins,
  exactlyOneDefault,
  guaranteeWithinLimit,
  idleTimeoutWithinRuntime,
  uniqueSlugs,
} from "./profiles";

export type Rule = (config: PlatformConfig) => RuleIssue[];

export const RULES: Readonly<Record<string, Rule>> = {
  uniqueSlugs,
  exactlyOneDefault,
  guaranteeWithinLimit,
  idleTimeoutWithinRuntime,
  customImageOnlyForAdmins,
  referencedGroupsExist,
  gpuProfilesOnlyForGpuGroups,
  uniqueNodeNames,
  migLayoutsFitTheGpus,
  migLayoutNamesConsistent,
  everyProfileFitsSomeNode,
  migSliceExistsInSomeLayout,
  quotaAdmitsEveryProfile,
  quotaSlicesExist,
  resourceRequestsWithinLimits,
  nfsServerIsSet,
};

export function runRules(config: PlatformConfig): RuleIssue[] {
  return Object.values(RULES).flatMap((rule) => rule(config));
}
