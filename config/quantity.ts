/**
 * Kubernetes resource quantities ("500m", "2", "64Gi", "1e3"), parsed the way the API server does,
 * so that "64 GB" or "16 cores" is caught here and not by the cluster.
 */

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

/** A hint for the usual ways people write quantities wrongly ("64 GB", "16 cores", "2GB"). */
export function quantityHint(text: string, kind: "cpu" | "memory" | "storage"): string {
  const unitFix: Record<string, string> = {
    KB: "Ki",
    MB: "Mi",
    GB: "Gi",
    TB: "Ti",
    KIB: "Ki",
    MIB: "Mi",
    GIB: "Gi",
    TIB: "Ti",
  };
  const memory = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$/.exec(text);
  if (memory && kind !== "cpu") {
    const fixed = unitFix[(memory[2] as string).toUpperCase()];
    if (fixed) return `write ${memory[1]}${fixed} (binary units, no space)`;
  }
  const cores = /^\s*(\d+(?:\.\d+)?)\s*(cores?|cpus?|vcpus?)\s*$/i.exec(text);
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
