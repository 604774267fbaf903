/** Kept for imports from test/sim/; placement is owned by config/placement.ts. */
export {
  fullGpuAffinity,
  migAffinity,
  type NodeSelectorRequirement,
  type NodeSelectorTerm,
  profileAffinity,
} from "../../config/placement";
