/**
 * Which image is pre-pulled where: each profile image on the nodes its profiles may run on (the
 * same affinity the profiles use, config/placement.ts), so a GPU image is not
 * pulled onto nodes that will never run it. A CPU profile may run anywhere, so its image goes on
 * every node; an image shared by several profiles goes wherever any of them may run.
 */
import { type NodeSelectorTerm, profileAffinity } from "../../config/placement";
import type { PlatformConfig } from "../../config/schema/platform";
import { imagePullerName } from "../names";

export interface PrePullTarget {
  /** DaemonSet name. */
  readonly name: string;
  readonly image: string;
  /** Required node affinity, ORed terms; empty means every node. */
  readonly affinity: readonly NodeSelectorTerm[];
  /** Profile slugs that use the image ("extraImages" for prePull.extraImages). */
  readonly usedBy: readonly string[];
}

interface Accumulated {
  everyNode: boolean;
  readonly terms: Map<string, NodeSelectorTerm>;
  readonly usedBy: string[];
}

export function prePullPlan(config: Pick<PlatformConfig, "profiles" | "prePull">): PrePullTarget[] {
  const byImage = new Map<string, Accumulated>();
  const entry = (image: string) => {
    const found: Accumulated = byImage.get(image) ?? { everyNode: false, terms: new Map(), usedBy: [] };
    byImage.set(image, found);
    return found;
  };
  for (const profile of config.profiles) {
    const target = entry(profile.image);
    target.usedBy.push(profile.slug);
    const terms = profileAffinity(profile);
    if (terms.length === 0) target.everyNode = true;
    for (const term of terms) target.terms.set(JSON.stringify(term), term);
  }
  for (const image of config.prePull.extraImages) {
    const target = entry(image);
    target.usedBy.push("extraImages");
    target.everyNode = true;
  }
  return [...byImage].map(([image, target]) => ({
    name: imagePullerName(image),
    image,
    affinity: target.everyNode ? [] : [...target.terms.values()],
    usedBy: target.usedBy,
  }));
}
