/**
 * The free-places rule against the shared corpus (test/fixtures/places-corpus.json), which the hub's
 * Python (hub/capacity_rules.py, test/hub/test_capacity_rules.py) must pass too: one rule, two
 * implementations, the same answers. Also: the planner's figure for each profile is the rule applied
 * to the cluster the config describes, so `npm run capacity` and the spawn page's total agree.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { type ClusterState, freePlaces, type PlaceRequest } from "../../capacity/places";
import { placeRequest, plannedState, profileCapacity } from "../../capacity/plan";
import { baseConfig } from "../config/base";
import { PROJECT_ROOT } from "../helpers";

interface CorpusCase {
  readonly name: string;
  readonly state: ClusterState;
  readonly request: PlaceRequest;
  readonly expected: { places: number; limit: string; perNode: Record<string, number> };
}

const corpus: { cases: CorpusCase[] } = JSON.parse(
  readFileSync(join(PROJECT_ROOT, "test/fixtures/places-corpus.json"), "utf8"),
);

describe("free places: the shared corpus", () => {
  for (const corpusCase of corpus.cases) {
    test(corpusCase.name, () => {
      const answer = freePlaces(corpusCase.state, corpusCase.request);
      assert.deepEqual(
        { places: answer.places, limit: answer.limit, perNode: answer.perNode },
        corpusCase.expected,
      );
    });
  }
});

describe("free places: the planner is the rule on the planned cluster", () => {
  test("each profile's users at once is its free places before anyone starts", () => {
    const config = baseConfig();
    const state = plannedState(config);
    for (const profile of config.profiles) {
      const places = freePlaces(state, placeRequest(profile));
      assert.equal(profileCapacity(config, profile).users, places.places, profile.slug);
      assert.ok(places.places > 0, `${profile.slug} fits somewhere on the test stack`);
    }
  });

  test("a user who has a home claim needs no claim from the quota", () => {
    const config = baseConfig();
    const state = {
      ...plannedState(config),
      quotaFree: { ...plannedState(config).quotaFree, persistentvolumeclaims: 0 },
    };
    const profile = config.profiles.find((candidate) => candidate.default);
    assert.ok(profile);
    assert.equal(freePlaces(state, placeRequest(profile)).places, 0);
    assert.ok(freePlaces(state, { ...placeRequest(profile), newClaim: false }).places > 0);
  });
});
