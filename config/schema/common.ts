/** Building blocks shared by the config schema's sections. */
import { z } from "zod";
import { parseQuantity, quantityHint } from "../quantity";

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

export const absolutePath = z
  .string()
  .regex(/^\/\S*$/, { message: "must be an absolute path such as /export/jupyterhub" });

/** A container image pinned to a tag or digest; `latest` and untagged names are refused. */
export const pinnedImage = z.string().superRefine((image, ctx) => {
  const problem = explainUnpinnedImage(image);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

// No "-" inside character classes: browsers compile the form's `pattern` attribute with the `v` flag,
// where a bare "-" in a class is a syntax error; alternations mean the same in JS, Python and browsers.
const IMAGE_REFERENCE =
  /^(?:[a-z0-9]+(?:(?:[._]|-)[a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w(?:[\w.]|-){0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** The same rule the hub applies to admins' custom images, so both sides agree. */
export const IMAGE_REFERENCE_PATTERN = IMAGE_REFERENCE.source;

export function explainUnpinnedImage(image: string): string | undefined {
  if (!IMAGE_REFERENCE.test(image)) {
    return `"${image}" is not an image reference; write registry/repository:tag, e.g. quay.io/jupyter/pytorch-notebook:2025-11-06`;
  }
  if (image.includes("@sha256:")) return undefined;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : undefined;
  if (tag === undefined)
    return `"${image}" has no tag; pin a dated tag or a digest (…:2025-11-06 or …@sha256:…)`;
  if (tag === "latest")
    return `"${image}" uses "latest"; pin a dated tag or a digest so every node runs the same image`;
  return undefined;
}

function quantity(kind: "cpu" | "memory" | "storage") {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const text = String(value);
    const parsed = parseQuantity(text);
    if (parsed === undefined || parsed < 0) {
      ctx.addIssue({
        code: "custom",
        message: `"${text}" is not a Kubernetes quantity: ${quantityHint(text, kind)}`,
      });
      return z.NEVER;
    }
    return text;
  });
}

/** CPU cores as a Kubernetes quantity ("500m", "2", 0.5). Kept as text; parse with parseQuantity. */
export const cpuQuantity = quantity("cpu");
/** Memory as a Kubernetes quantity ("512Mi", "64Gi"). */
export const memoryQuantity = quantity("memory");
/** Storage as a Kubernetes quantity ("10Gi", "1Ti"). */
export const storageQuantity = quantity("storage");

export const seconds = z.number().int().min(0, { message: "must be a number of seconds, 0 or more" });

/** A Kubernetes lifecycle handler, as in a container's `lifecycle.postStart` / `preStop`. */
export const lifecycleHandler = z.strictObject({
  exec: z.strictObject({ command: z.array(z.string()).min(1) }),
});
