/** The OpenID Connect provider that stands in for Authentik on the simulated cluster (docs/sim.md). */
export {
  generatedClientSecret,
  identityProviderOptions,
  journeyAccounts,
  type LocalHub,
} from "./from-config";
export { authentikPaths } from "./paths";
export { startIdentityProvider } from "./server";
export type {
  IdentityProviderCounters,
  IdentityProviderEndpoints,
  IdentityProviderOptions,
  RunningIdentityProvider,
  TestAccount,
} from "./types";
