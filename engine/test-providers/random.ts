/**
 * TEST STAND-IN for the `random` provider plugin, for the engine test harness ONLY: the harness
 * puts engine/plugins/pulumi-resource-random on PATH when it runs the real Pulumi engine on the
 * simulated cluster. Nothing a user deploys ever uses it; real deployments get the upstream
 * plugin (@pulumi/random 4.21.2).
 *
 * Why: the upstream plugin cannot be obtained on this machine (no registry it reaches serves
 * provider plugins), and the program only needs random values, so a provider on the Node SDK's
 * provider server is enough to exercise the engine.
 *
 * What it implements, values from node:crypto:
 * - random:index/randomBytes:RandomBytes: inputs length, keepers; outputs hex and base64
 *   (secrets) and the inputs.
 * - random:index/randomPassword:RandomPassword: every input with upstream's defaults (upper,
 *   lower, numeric/number, special true; min* 0; overrideSpecial replaces the special characters;
 *   min* characters of each class first, as upstream, then the rest from the enabled classes,
 *   shuffled); outputs result (secret) and the inputs. No bcryptHash: Node has no bcrypt and the
 *   program never reads it.
 * Any input change replaces the resource (upstream: every input forces a new value). Any other
 * type, or an invalid input, is refused with an error naming this stand-in. Version
 * 0.0.0-test-stand-in.
 */
import { randomBytes, randomInt } from "node:crypto";
import {
  expect,
  isBoolean,
  isIntegerAtLeast,
  isUnknown,
  type Props,
  required,
  type StandInResource,
  serve,
  standInProvider,
} from "./stand-in";

export const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const LOWER = "abcdefghijklmnopqrstuvwxyz";
export const NUMERIC = "0123456789";
/** Upstream's special characters (the SDK's doc comment on `special`). */
export const SPECIAL = "!@#$%&*()-_=+[]{}<>:?";

const isKeepers = (value: unknown): boolean =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const randomBytesResource: StandInResource = {
  inputs: ["keepers", "length"],
  secretOutputs: ["hex", "base64"],
  withDefaults: (news) => ({ ...news }),
  validate: (inputs) => [
    ...required(inputs, "length"),
    ...expect(inputs, "length", isIntegerAtLeast(1), "must be an integer of at least 1"),
    ...expect(inputs, "keepers", isKeepers, "must be a map"),
  ],
  create: async (inputs) => {
    const bytes = randomBytes(inputs.length as number);
    return { id: "none", outputs: { hex: bytes.toString("hex"), base64: bytes.toString("base64") } };
  },
};

const PASSWORD_FLAGS = ["upper", "lower", "numeric", "number", "special"] as const;
const PASSWORD_MINIMUMS = ["minUpper", "minLower", "minNumeric", "minSpecial"] as const;

/** `count` characters of `alphabet`, each drawn uniformly. */
function draw(alphabet: string, count: number): string[] {
  return Array.from({ length: count }, () => alphabet.charAt(randomInt(alphabet.length)));
}

/** A password from RandomPassword's plain inputs with defaults (see the header for the rules). */
export function generatePassword(inputs: Props): string {
  const specials = (inputs.overrideSpecial as string | undefined) || SPECIAL;
  const classes = [
    { chars: UPPER, enabled: inputs.upper, min: inputs.minUpper },
    { chars: LOWER, enabled: inputs.lower, min: inputs.minLower },
    { chars: NUMERIC, enabled: inputs.numeric, min: inputs.minNumeric },
    { chars: specials, enabled: inputs.special, min: inputs.minSpecial },
  ];
  const pool = classes.map((c) => (c.enabled ? c.chars : "")).join("");
  const chars = classes.flatMap((c) => draw(c.chars, c.min as number));
  chars.push(...draw(pool, (inputs.length as number) - chars.length));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join("");
}

const randomPasswordResource: StandInResource = {
  inputs: ["keepers", "length", ...PASSWORD_FLAGS, ...PASSWORD_MINIMUMS, "overrideSpecial"],
  secretOutputs: ["result"],
  // `number` is the deprecated name of `numeric`: upstream keeps both, equal.
  withDefaults: (news) => ({
    ...news,
    upper: news.upper ?? true,
    lower: news.lower ?? true,
    numeric: news.numeric ?? news.number ?? true,
    number: news.number ?? news.numeric ?? true,
    special: news.special ?? true,
    minUpper: news.minUpper ?? 0,
    minLower: news.minLower ?? 0,
    minNumeric: news.minNumeric ?? 0,
    minSpecial: news.minSpecial ?? 0,
  }),
  validate: (inputs) => {
    const failures = [
      ...required(inputs, "length"),
      ...expect(inputs, "length", isIntegerAtLeast(1), "must be an integer of at least 1"),
      ...expect(inputs, "keepers", isKeepers, "must be a map"),
      ...expect(inputs, "overrideSpecial", (value) => typeof value === "string", "must be a string"),
      ...PASSWORD_FLAGS.flatMap((flag) => expect(inputs, flag, isBoolean, "must be true or false")),
      ...PASSWORD_MINIMUMS.flatMap((min) =>
        expect(inputs, min, isIntegerAtLeast(0), "must be an integer of at least 0"),
      ),
    ];
    const known = [...PASSWORD_FLAGS, ...PASSWORD_MINIMUMS, "length"].every((key) => !isUnknown(inputs[key]));
    if (failures.length > 0 || !known) return failures;
    if (inputs.number !== inputs.numeric)
      failures.push({
        property: "numeric",
        reason: `numeric (${inputs.numeric}) and its deprecated alias number (${inputs.number}) must agree`,
      });
    if (!PASSWORD_FLAGS.some((flag) => inputs[flag] === true))
      failures.push({
        property: "length",
        reason: "at least one of upper, lower, numeric, special must be true",
      });
    const minimum = PASSWORD_MINIMUMS.reduce((sum, min) => sum + (inputs[min] as number), 0);
    if ((inputs.length as number) < minimum)
      failures.push({
        property: "length",
        reason: `length (${inputs.length}) must be at least minUpper + minLower + minNumeric + minSpecial (${minimum})`,
      });
    return failures;
  },
  create: async (inputs) => ({ id: "none", outputs: { result: generatePassword(inputs) } }),
};

export const randomProvider = standInProvider("random", {
  "random:index/randomBytes:RandomBytes": randomBytesResource,
  "random:index/randomPassword:RandomPassword": randomPasswordResource,
});

if (require.main === module) serve(randomProvider);
