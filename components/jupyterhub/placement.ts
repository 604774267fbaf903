/** Kept for test/sim/hub-spawn.test.ts, which imports fullGpuAffinity from here; placement is owned by config/placement.ts. */
export { fullGpuAffinity } from "../../config/placement";
