/**
 * Kubernetes resource quantities ("500m", "2", "64Gi", "1e3"), parsed the way the API server does,
 * so that "64 GB" or "16 cores" is caught here and not by the cluster; and the stricter rules of
 * what makes sense for CPU and memory (a unit on memory, nothing of zero, nothing finer than 1m).
 */
import { quote } from "./issues";

const BINARY_SUFFIXES: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const DECIMAL_SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY_PATTERN = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** The value of a quantity in base units (cores or bytes), or undefined when it is not a quantity. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY_PATTERN.exec(text.trim() === text ? text : "");
  if (!match) return undefined;
  const [, digits, suffix = ""] = match;
  const value = Number(digits);
  if (!Number.isFinite(value)) return undefined;
  if (suffix in BINARY_SUFFIXES) return value * (BINARY_SUFFIXES[suffix] as number);
  if (suffix in DECIMAL_SUFFIXES) return value * (DECIMAL_SUFFIXES[suffix] as number);
  return value * 10 ** Number(suffix.slice(1));
}

export type QuantityKind = "cpu" | "memory" | "storage";

/** The lower bound a field puts on its quantity, with the reason people are told. */
export interface QuantityMinimum {
  readonly value: number;
  readonly text: string;
  readonly why: string;
}

export type QuantityCheck =
  | { readonly ok: true; readonly text: string; readonly value: number }
  | { readonly ok: false; readonly message: string };

/** What people mean by a memory unit written wrongly, as the unit to write instead. */
const MEMORY_UNIT_FIXES: Record<string, string> = {
  k: "Ki",
  kb: "Ki",
  kib: "Ki",
  ki: "Ki",
  m: "Mi",
  mb: "Mi",
  mib: "Mi",
  mi: "Mi",
  g: "Gi",
  gb: "Gi",
  gib: "Gi",
  gi: "Gi",
  t: "Ti",
  tb: "Ti",
  tib: "Ti",
  ti: "Ti",
  p: "Pi",
  pb: "Pi",
  pib: "Pi",
  pi: "Pi",
};

const MEMORY_UNITS = new Set(["Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P", "E"]);
const CPU_WORDS = /^(cores?|cpus?|vcpus?|vcores?)$/i;
const MILLICORE_WORDS = /^(m|mi|mcpu|millicores?|millicpus?)$/i;

/** A number, a unit, and whatever space or sign surrounds them: enough to say what is wrong. */
const LOOSE_PATTERN = /^\s*([+-]?)\s*(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?(\s*)([A-Za-z]*)\s*$/;

/**
 * Checks a quantity as written in a profile or stack file: a Kubernetes quantity that also means
 * what the writer meant. Memory needs a unit (a bare number is bytes); nothing may be zero or
 * negative (KubeSpawner reads 0 as "no limit"); CPU is counted in whole millicores.
 */
export function checkQuantity(
  input: string | number,
  kind: QuantityKind,
  minimum?: QuantityMinimum,
): QuantityCheck {
  const text = String(input);
  const shown = typeof input === "number" ? text : quote(text);
  const fail = (why: string): QuantityCheck => ({ ok: false, message: `${shown} ${why}` });
  const loose = LOOSE_PATTERN.exec(text);
  if (!loose) return fail(`is not a Kubernetes quantity: ${quantityHint(text, kind)}`);
  const [, sign = "", digits = "", exponent, space = "", unit = ""] = loose;
  const amount = `${digits}${exponent !== undefined ? `e${exponent}` : ""}`;
  const magnitude = Number(amount);
  if (!Number.isFinite(magnitude)) return fail("is too large to be a quantity");
  if (sign === "-" && magnitude !== 0) {
    return fail(`is negative; write a positive amount such as ${example(kind)}`);
  }
  if (kind === "cpu") return checkCpu(text, shown, amount, space, unit, minimum);
  return checkMemory(text, shown, kind, amount, exponent, space, unit, minimum);
}

function checkCpu(
  text: string,
  shown: string,
  amount: string,
  space: string,
  unit: string,
  minimum: QuantityMinimum | undefined,
): QuantityCheck {
  const fail = (why: string): QuantityCheck => ({ ok: false, message: `${shown} ${why}` });
  if (CPU_WORDS.test(unit)) return fail(`is not a Kubernetes quantity: ${quantityHint(text, "cpu")}`);
  if (MILLICORE_WORDS.test(unit) && (unit !== "m" || space !== "")) {
    return fail(`is not a Kubernetes quantity: write ${amount}m (millicores: no space, lowercase m)`);
  }
  if (unit !== "" && unit !== "m") {
    return fail(
      `is not a CPU amount: CPU takes no unit but m (millicores); write cores ("2", "0.5") or millicores ("500m")`,
    );
  }
  const canonical = `${amount}${unit}`;
  const cores = parseQuantity(canonical);
  if (cores === undefined || text !== canonical) {
    return fail(`is not a Kubernetes quantity: write ${canonical}`);
  }
  if (cores === 0) {
    return fail(
      'is zero: KubeSpawner reads 0 as "no guarantee" or "no limit", not as no CPU; write cores such as "0.5" or 500m',
    );
  }
  const millicores = cores * 1000;
  if (Math.abs(millicores - Math.round(millicores)) > 1e-6) {
    const rounded = Math.max(1, Math.round(millicores));
    return fail(
      `is finer than Kubernetes counts CPU (whole millicores, 1m = 0.001 cores); write ${rounded}m`,
    );
  }
  if (minimum && cores < minimum.value)
    return fail(`is too small: ${minimum.why}; write at least ${minimum.text}`);
  return { ok: true, text, value: cores };
}

function checkMemory(
  text: string,
  shown: string,
  kind: QuantityKind,
  amount: string,
  exponent: string | undefined,
  space: string,
  unit: string,
  minimum: QuantityMinimum | undefined,
): QuantityCheck {
  const fail = (why: string): QuantityCheck => ({ ok: false, message: `${shown} ${why}` });
  const what = kind === "memory" ? "memory" : "storage";
  const zero = `is zero: KubeSpawner reads 0 as "no guarantee" or "no limit", not as no ${what}; write an amount such as ${example(kind)}`;
  if (Number(amount) === 0) return fail(zero);
  if (unit === "") {
    const bytes = Number(amount);
    const guess = bytes >= 2 ** 20 ? withUnit(bytes) : `${amount}Gi or ${amount}Mi`;
    return fail(`has no unit, so it means ${amount} bytes; write the unit, e.g. ${guess}`);
  }
  if (unit === "m") {
    return fail(`means ${amount} thousandths of a byte (m is milli); write ${amount}Mi`);
  }
  if (exponent !== undefined) {
    return fail(`mixes an exponent with a unit; write a plain amount such as ${example(kind)}`);
  }
  if (!MEMORY_UNITS.has(unit)) {
    const fixed = MEMORY_UNIT_FIXES[unit.toLowerCase()];
    if (fixed) {
      const why = [
        fixed.toLowerCase() === unit.toLowerCase()
          ? "units are case-sensitive"
          : "binary units: 1Gi = 1024³ bytes",
        ...(space !== "" ? ["no space"] : []),
      ];
      return fail(`is not a Kubernetes quantity: write ${amount}${fixed} (${why.join("; ")})`);
    }
    return fail(`is not a Kubernetes quantity: ${quantityHint(text, kind)}`);
  }
  const canonical = `${amount}${unit}`;
  const bytes = parseQuantity(canonical);
  if (bytes === undefined || text !== canonical) {
    return fail(`is not a Kubernetes quantity: write ${canonical}${space !== "" ? " (no space)" : ""}`);
  }
  if (bytes > 2 ** 63) return fail("is larger than Kubernetes can represent");
  const floor = minimum ?? {
    value: 2 ** 20,
    text: "1Mi",
    why: `less than 1Mi of ${what} is surely a wrong unit`,
  };
  if (bytes < floor.value) return fail(`is too small: ${floor.why}; write at least ${floor.text}`);
  return { ok: true, text, value: bytes };
}

/** Bytes with a unit: the exact binary unit if there is one, else decimal ("64Gi", "1.5G"). */
function withUnit(bytes: number): string {
  const binary = formatBytes(bytes);
  if (/[KMGTPE]i$/.test(binary) && !binary.includes(".")) return binary;
  for (const [suffix, size] of [
    ["T", 1e12],
    ["G", 1e9],
    ["M", 1e6],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toPrecision(4))}${suffix}`;
  }
  return binary;
}

function example(kind: QuantityKind): string {
  return kind === "cpu" ? '"2" or 500m' : kind === "memory" ? "2Gi or 512Mi" : "10Gi";
}

/** A hint for the usual ways people write quantities wrongly ("64 GB", "16 cores", "2GB"). */
export function quantityHint(text: string, kind: QuantityKind): string {
  const memory = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$/.exec(text);
  if (memory && kind !== "cpu") {
    const fixed = MEMORY_UNIT_FIXES[(memory[2] as string).toLowerCase()];
    if (fixed) return `write ${memory[1]}${fixed} (binary units, no space)`;
  }
  const cores = /^\s*(\d+(?:\.\d+)?)\s*(cores?|cpus?|vcpus?|vcores?)\s*$/i.exec(text);
  if (cores) return `write ${cores[1]} (cores, no unit) or ${Number(cores[1]) * 1000}m`;
  return kind === "cpu"
    ? 'write cores as a number ("2", "0.5") or millicores ("500m")'
    : 'write a Kubernetes quantity such as "512Mi", "2Gi" or "1Ti"';
}

/** Formats bytes as the largest exact binary unit, for summaries ("64Gi"). */
export function formatBytes(bytes: number): string {
  for (const [suffix, size] of Object.entries(BINARY_SUFFIXES).reverse()) {
    if (bytes >= size && Number.isInteger(bytes / size)) return `${bytes / size}${suffix}`;
  }
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)}Gi`;
  return `${bytes}`;
}

/** Formats cores without trailing noise ("0.5", "16"). */
export function formatCores(cores: number): string {
  return Number.isInteger(cores) ? `${cores}` : `${Number(cores.toFixed(3))}`;
}
