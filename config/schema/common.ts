/** Building blocks shared by the config schema's sections. */
import { z } from "zod";
import { quote } from "../issues";
import { checkQuantity, type QuantityKind, type QuantityMinimum } from "../quantity";

/** A lowercase RFC 1123 label: what Kubernetes accepts in names and what is safe in URLs. */
export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    message: "must be lowercase letters, digits and '-', starting and ending with a letter or digit",
  })
  .max(63, { message: "must be at most 63 characters (a DNS label)" });

export const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    message: "must be a lowercase DNS name such as jupyterhub.example.org",
  });

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const ipv4 = z.string().regex(IPV4, { message: "must be an IPv4 address such as 10.21.0.50" });

export const cidr = z.string().refine(
  (text) => {
    const [address, bits, ...rest] = text.split("/");
    return rest.length === 0 && IPV4.test(address ?? "") && /^(3[0-2]|[12]?\d)$/.test(bits ?? "");
  },
  { message: "must be an IPv4 CIDR such as 10.21.0.0/16 or 10.21.4.7/32" },
);

export const httpsUrl = z.url({ protocol: /^https?$/, message: "must be an http(s) URL" });

export const port = z.number().int().min(1).max(65535);

export const absolutePath = z.string();

/**
 * Who writes an image decides how strict the pin is. Notebook images (profiles) must carry a date,
 * a commit, a full X.Y.Z version or a digest. Platform images in the stack file may also use the
 * upstream's two-number release (postgres:16.6, pause:3.10), which those projects never move.
 */
export type ImageRole = "notebook" | "platform";

const imageSchema = (role: ImageRole) =>
  z.string().superRefine((image, ctx) => {
    const problem = explainUnpinnedImage(image, role);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** A platform image (hub, proxy, database, …) pinned to a release, a date, a commit or a digest. */
export const pinnedImage = imageSchema("platform");
/** A notebook image pinned to a date, a commit, a full X.Y.Z version or a digest. */
export const notebookImage = imageSchema("notebook");

// No "-" inside character classes: browsers compile the form's `pattern` attribute with the `v` flag,
// where a bare "-" in a class is a syntax error; alternations mean the same in JS, Python and browsers.
const IMAGE_REFERENCE =
  /^(?:[a-z0-9]+(?:(?:[._]|-)[a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w(?:[\w.]|-){0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** The same rule the hub applies to admins' custom images, so both sides agree. */
export const IMAGE_REFERENCE_PATTERN = IMAGE_REFERENCE.source;

/**
 * The repository an image reference names, with its registry, as containerd resolves it: no
 * registry host means Docker Hub (`jupyter/x` is `docker.io/jupyter/x`, `x` is
 * `docker.io/library/x`), `index.docker.io` is `docker.io`; tag and digest dropped. The hub's
 * Python (hub/profile_access.py, image_repository) does the same.
 */
export function imageRepository(image: string): string {
  const name = image.split("@")[0] ?? image;
  const colon = name.lastIndexOf(":");
  const repository = colon > name.lastIndexOf("/") ? name.slice(0, colon) : name;
  const [first = "", ...rest] = repository.split("/");
  const hasHost = rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (!hasHost) return rest.length > 0 ? `docker.io/${repository}` : `docker.io/library/${repository}`;
  return first === "index.docker.io" ? ["docker.io", ...rest].join("/") : repository;
}

/** Whether the image's repository is one of `registries` or below one of them (at a "/"). */
export function fromAllowedRegistry(image: string, registries: readonly string[]): boolean {
  const repository = imageRepository(image);
  return registries.some((prefix) => repository === prefix || repository.startsWith(`${prefix}/`));
}

const REGISTRY_PREFIX =
  /^(?:(?:localhost|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)(?::\d+)?|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?:\d+)(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/**
 * A registry host with an optional path below it, as images are compared (imageRepository): a host
 * has a dot or a port, or is localhost, as containerd tells a host from a Docker Hub namespace.
 */
export const registryPrefix = z.string().superRefine((prefix, ctx) => {
  const shown = quote(prefix);
  const problem = /^[a-z]+:\/\//i.test(prefix)
    ? `${shown} has a scheme; write the registry as images name it, e.g. quay.io/jupyter`
    : prefix.endsWith("/")
      ? `${shown} ends with "/"; write it without, e.g. quay.io/jupyter`
      : /^index\.docker\.io(\/|$)/.test(prefix)
        ? `${shown}: write docker.io (images on index.docker.io are compared as docker.io)`
        : !REGISTRY_PREFIX.test(prefix)
          ? `${shown} is not a registry host with an optional path; write e.g. quay.io/jupyter, docker.io/jupyter or registry.example.org:5000/course (Docker Hub as docker.io)`
          : undefined;
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/**
 * Tag words that name a branch or a release channel: the registry re-points them at every build.
 * Compared case-insensitively, as whole words of the tag (split at "-", "_" and ".").
 */
export const MOVING_TAG_WORDS: readonly string[] = [
  "latest",
  "main",
  "master",
  "develop",
  "development",
  "dev",
  "devel",
  "nightly",
  "edge",
  "stable",
  "testing",
  "unstable",
  "rolling",
  "current",
  "lts",
  "head",
  "trunk",
  "canary",
  "next",
  "snapshot",
];
const MOVING = new Set(MOVING_TAG_WORDS);
/** YYYY-MM-DD, YYYYMMDD, YYYY.MM.DD (one separator throughout), or YYYY-MM: a build's date. */
const DATE_IN_TAG =
  /(?<!\d)(?:(?:19|20)\d\d([-._]?)(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])|(?:19|20)\d\d-(?:0[1-9]|1[0-2]))(?!\d)/;
/** A commit hash as one word of the tag (7 to 40 hex digits, with a letter and a digit). */
const isCommitHash = (word: string) => /^[0-9a-f]{7,40}$/.test(word) && /[a-f]/.test(word) && /\d/.test(word);
const LEADING_VERSION = /^v?\d+(?:\.\d+)*/;

const PIN_ADVICE =
  "pin a dated tag (…:2025-11-06), a commit, a full version (…:1.4.2) or a digest (…@sha256:…) so every node runs the same image";

/** Why an image is not pinned, or undefined when it is. The rule is in docs/profiles.md. */
export function explainUnpinnedImage(image: string, role: ImageRole = "platform"): string | undefined {
  const shown = quote(image);
  if (!IMAGE_REFERENCE.test(image)) {
    return `${shown} is not an image reference; write registry/repository:tag, e.g. quay.io/jupyter/pytorch-notebook:2025-11-06`;
  }
  if (image.includes("@sha256:")) return undefined;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : undefined;
  if (tag === undefined) return `${shown} has no tag, which means "latest"; ${PIN_ADVICE}`;
  const lower = tag.toLowerCase();
  const words = lower.split(/[-_.]/);
  if (DATE_IN_TAG.test(lower) || words.some(isCommitHash)) return undefined;
  const movingAt = words.findIndex((word) => MOVING.has(word));
  if (movingAt >= 0) {
    const written = tag.split(/[-_.]/)[movingAt] as string;
    const word = words[movingAt] as string;
    const caseNote = written === word ? "" : ` (that is "${word}": tags are compared without case)`;
    // The long-standing wording for plain "latest" (the policy pack reports it too).
    if (written === "latest" && words.length === 1) {
      return `${shown} uses "latest"; pin a dated tag or a digest so every node runs the same image`;
    }
    const what = word === "latest" ? "" : ", a branch or channel name the registry re-points at every build";
    return `${shown} uses the moving tag "${written}"${caseNote}${what}; ${PIN_ADVICE}`;
  }
  const leading = LEADING_VERSION.exec(lower)?.[0];
  if (leading !== undefined) {
    const numbers = leading.split(".").length;
    if (numbers >= 3 || (numbers === 2 && role === "platform")) return undefined;
    if (numbers === 2) {
      return `${shown} names a version series ("${leading}"), which moves with each patch release (python:3.11 becomes 3.11.9); ${PIN_ADVICE}`;
    }
    return `${shown} names only a major version ("${leading}"), which moves with every release; ${PIN_ADVICE}`;
  }
  if (/\d+(?:\.\d+)+/.test(lower)) {
    return `${shown} names the version of one component (like python-3.11.6, ubuntu-22.04, lab-4.0.7), a tag that every new build of the image re-pushes; ${PIN_ADVICE}`;
  }
  return `${shown} has a tag without version, date or commit, which is re-pushed with every build; ${PIN_ADVICE}`;
}

function quantity(kind: QuantityKind, minimum?: QuantityMinimum) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const checked = checkQuantity(value, kind, minimum);
    if (!checked.ok) {
      ctx.addIssue({ code: "custom", message: checked.message });
      return z.NEVER;
    }
    return checked.text;
  });
}

/** CPU cores as a Kubernetes quantity ("500m", "2", 0.5). Kept as text; parse with parseQuantity. */
export const cpuQuantity = quantity("cpu");
/** Memory as a Kubernetes quantity with a unit ("512Mi", "64Gi"); a bare number (bytes) is refused. */
export const memoryQuantity = quantity("memory");
/** Storage as a Kubernetes quantity with a unit ("10Gi", "1Ti"). */
export const storageQuantity = quantity("storage");
/** A quantity with a field's own lower bound, e.g. a notebook's memory limit. */
export const quantityAtLeast = (kind: QuantityKind, minimum: QuantityMinimum) => quantity(kind, minimum);

export const seconds = z.number().int().min(0, { message: "must be a number of seconds, 0 or more" });

/**
 * The shortest idle timeout or running time that means what it says: the hub learns of activity
 * only every 5 minutes (JupyterHub.last_activity_interval), so anything shorter stops servers in use.
 */
export const MIN_TIMEOUT_SECONDS = 600;

/** A timeout in seconds, at least MIN_TIMEOUT_SECONDS; `zero` says what 0 would (not) mean. */
export const timeoutSeconds = (zero: string) =>
  z
    .number()
    .int({ message: "must be a whole number of seconds" })
    .min(MIN_TIMEOUT_SECONDS, {
      error: (issue) => {
        const value = issue.input as number;
        if (value === 0) return `0 ${zero}`;
        if (value < 0) return `${value} is negative; write seconds, e.g. 1800 for 30 minutes`;
        return `${value}s is too short: the hub learns of a user's activity only every 5 minutes, so a server in use would be stopped; write at least ${MIN_TIMEOUT_SECONDS} (10 minutes)`;
      },
    });

/** A Kubernetes lifecycle handler, as in a container's `lifecycle.postStart` / `preStop`. */
export const lifecycleHandler = z.strictObject({
  exec: z.strictObject({ command: z.array(z.string()).min(1) }),
});
