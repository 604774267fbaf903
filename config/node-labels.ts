/** Kept for the simulated cluster's imports (sim/, test/sim/); the labels are owned by placement.ts. */
export { expectedNodeLabels } from "./placement";
