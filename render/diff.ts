/**
 * What changes between two renders (a folder of `npm run render` files each), in the terms of the
 * people affected: profiles added, removed or changed field by field (read from the hub's settings
 * JSON in ConfigMap `hub`, what the spawn page and KubeSpawner use), hub-wide settings, and the
 * Kubernetes objects added, removed or changed, by kind and name. Pure: file texts in, a diff out.
 */
import { isDeepStrictEqual } from "node:util";
import { parseAllDocuments } from "yaml";
import { SETTINGS_FILE } from "../components/jupyterhub/hub-settings";
import { NAMES } from "../components/names";
import { formatBytes, formatCores } from "../config/quantity";

/** A render: file name (`hub.yaml`, `gpu-operator.chart.yaml`) → its text. */
export type RenderedFiles = ReadonlyMap<string, string>;

export type Change = "added" | "removed" | "changed";

export interface FieldChange {
  /** What a user would call it: "memory guarantee", "image", "groups". */
  readonly field: string;
  readonly before: string;
  readonly after: string;
}

export interface ProfileDiff {
  readonly slug: string;
  readonly change: Change;
  readonly displayName: string;
  /** Changed: each field that differs. Added: what the new profile offers. Removed: nothing. */
  readonly fields: readonly FieldChange[];
  /** Settings of a changed profile outside the named fields (e.g. `kubespawner_override.node_affinity_required`). */
  readonly otherSettings: readonly string[];
}

export interface SettingChange {
  /** Dotted path in the hub settings, e.g. `culler.timeout`. */
  readonly path: string;
  readonly before: string;
  readonly after: string;
}

export interface ObjectDiff {
  readonly kind: string;
  /** `namespace/name`, or `name` for cluster-scoped objects. */
  readonly name: string;
  readonly change: Change;
  /** For a changed object: the fields that differ (dotted paths). */
  readonly paths: readonly string[];
}

export interface RenderDiff {
  /** Byte for byte the same files: what the golden test checks. */
  readonly equal: boolean;
  readonly files: { readonly added: string[]; readonly removed: string[]; readonly changed: string[] };
  readonly profiles: readonly ProfileDiff[];
  readonly hubSettings: readonly SettingChange[];
  readonly objects: readonly ObjectDiff[];
}

/** A rendered file that does not parse (a merge conflict left in the golden copy, say). */
export class RenderReadError extends Error {}

/** The kind shown for a Helm chart reference (`*.chart.yaml`): Helm installs it, it is not one object. */
export const HELM_CHART = "Helm chart";

interface Entry {
  readonly kind: string;
  readonly name: string;
  readonly value: unknown;
}

type Json = Record<string, unknown>;

function documentsOf(file: string, text: string): unknown[] {
  return parseAllDocuments(text).map((document) => {
    const error = document.errors[0];
    if (error) throw new RenderReadError(`${file}: not valid YAML: ${error.message.split("\n")[0]}`);
    return document.toJS();
  });
}

function entriesOf(files: RenderedFiles): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const [file, text] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const chart = file.endsWith(".chart.yaml");
    for (const document of documentsOf(file, text)) {
      if (!document || typeof document !== "object") continue;
      const object = document as Json;
      const metadata = (object.metadata ?? {}) as Json;
      const kind = chart ? HELM_CHART : String(object.kind ?? "(no kind)");
      const namespace = chart ? object.namespace : metadata.namespace;
      const bare = String((chart ? object.releaseName : metadata.name) ?? "(no name)");
      const name = namespace ? `${namespace}/${bare}` : bare;
      entries.set(`${kind}\u0000${name}`, { kind, name, value: object });
    }
  }
  return entries;
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isLeafArray(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => item === null || typeof item !== "object");
}

function join(prefix: string, key: string | number): string {
  if (typeof key === "number") return `${prefix}[${key}]`;
  return prefix === "" ? key : `${prefix}.${key}`;
}

/** Dotted paths of every difference; lists of plain values count as one value. */
export function changedPaths(before: unknown, after: unknown, prefix = ""): string[] {
  if (isDeepStrictEqual(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => changedPaths(before[key], after[key], join(prefix, key)));
  }
  if (Array.isArray(before) && Array.isArray(after) && !isLeafArray(before) && !isLeafArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, index) =>
      changedPaths(before[index], after[index], join(prefix, index)),
    ).flat();
  }
  return [prefix === "" ? "(whole value)" : prefix];
}

function at(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((current, key) => (isObject(current) ? current[key] : undefined), value);
}

/** The hub's settings JSON from the rendered ConfigMap `hub`, or undefined when there is none. */
export function hubSettingsOf(files: RenderedFiles): Json | undefined {
  for (const entry of entriesOf(files).values()) {
    const object = entry.value as Json;
    if (entry.kind !== "ConfigMap" || (object.metadata as Json | undefined)?.name !== NAMES.hubConfigMap)
      continue;
    const text = (object.data as Json | undefined)?.[SETTINGS_FILE];
    if (typeof text !== "string") continue;
    try {
      const settings = JSON.parse(text);
      if (isObject(settings)) return settings;
    } catch (error) {
      throw new RenderReadError(
        `ConfigMap ${entry.name}: ${SETTINGS_FILE} is not JSON: ${(error as Error).message}`,
      );
    }
  }
  return undefined;
}

const MAX_VALUE = 80;

/** A value as a person reads it: text as it is (cut when long), lists comma-separated, the rest as JSON. */
function plain(value: unknown): string {
  if (value === undefined) return "(not set)";
  const text =
    typeof value === "string"
      ? value
      : isLeafArray(value)
        ? (value as unknown[]).join(", ") || "(none)"
        : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function quoted(value: unknown): string {
  return typeof value === "string" ? `"${plain(value)}"` : plain(value);
}

function cores(value: unknown): string {
  return typeof value === "number" ? formatCores(value) : plain(value);
}

function bytes(value: unknown): string {
  return typeof value === "number" ? formatBytes(value) : plain(value);
}

function seconds(value: unknown): string {
  if (value === undefined || value === null) return "the hub's";
  if (typeof value !== "number") return plain(value);
  const unit = value % 3600 === 0 ? `${value / 3600} h` : value % 60 === 0 ? `${value / 60} min` : "";
  return unit ? `${value} s (${unit})` : `${value} s`;
}

function gpu(value: unknown): string {
  if (!isObject(value)) return value === undefined ? "none" : plain(value);
  const resource = typeof value.resource === "string" ? value.resource : "";
  if (value.kind === "none" || value.count === 0) return "none";
  if (value.kind === "mig") return `MIG ${resource.replace(/^nvidia\.com\/mig-/, "")}`;
  if (value.kind === "full") return `${value.count}× GPU`;
  return plain(value);
}

function customImage(value: unknown): string {
  return value === undefined ? "no" : `any image, 0–${plain(value)} GPUs`;
}

function yesNo(value: unknown): string {
  return value === true ? "yes" : value === false || value === undefined ? "no" : plain(value);
}

/** The settings of a profile a user sees or gets, where they are in the hub settings, and how to show them. */
const PROFILE_FIELDS: readonly {
  readonly field: string;
  readonly path: readonly string[];
  readonly show: (value: unknown) => string;
}[] = [
  { field: "display name", path: ["display_name"], show: quoted },
  { field: "description", path: ["description"], show: quoted },
  { field: "card summary", path: ["summary"], show: quoted },
  { field: "image", path: ["kubespawner_override", "image"], show: plain },
  { field: "CPU guarantee", path: ["kubespawner_override", "cpu_guarantee"], show: cores },
  { field: "CPU limit", path: ["kubespawner_override", "cpu_limit"], show: cores },
  { field: "memory guarantee", path: ["kubespawner_override", "mem_guarantee"], show: bytes },
  { field: "memory limit", path: ["kubespawner_override", "mem_limit"], show: bytes },
  { field: "GPU", path: ["gpu"], show: gpu },
  { field: "custom image", path: ["custom_image", "max_gpus"], show: customImage },
  { field: "groups", path: ["groups"], show: plain },
  { field: "idle timeout", path: ["idle_timeout"], show: seconds },
  { field: "maximum runtime", path: ["max_runtime"], show: seconds },
  { field: "default profile", path: ["default"], show: yesNo },
  { field: "order on the page", path: ["order"], show: plain },
  { field: "compute units per hour", path: ["compute_units_per_hour"], show: plain },
];

/** What a new profile offers, in one list of fields. */
const ADDED_FIELDS = [
  "image",
  "CPU guarantee",
  "CPU limit",
  "memory guarantee",
  "memory limit",
  "GPU",
  "custom image",
  "groups",
  "idle timeout",
];

/** Paths another field already covers (the custom image's derived overrides, for one). */
function coveredBy(path: string): boolean {
  return (
    path === "slug" ||
    path.startsWith("custom_image.") ||
    PROFILE_FIELDS.some((field) => {
      const prefix = field.path.join(".");
      return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
    })
  );
}

/** A changed path, cut to its first two parts so a long list of node affinity terms is one line. */
function shortPath(path: string): string {
  return path
    .split(".")
    .slice(0, 2)
    .join(".")
    .replace(/\[\d+\].*$/, "");
}

function profilesOf(settings: Json | undefined): Map<string, Json> {
  const list = Array.isArray(settings?.profiles) ? (settings.profiles as unknown[]) : [];
  return new Map(list.filter(isObject).map((profile) => [String(profile.slug), profile]));
}

function profileField(name: string) {
  return PROFILE_FIELDS.find((field) => field.field === name) as (typeof PROFILE_FIELDS)[number];
}

export function diffProfiles(before: Json | undefined, after: Json | undefined): ProfileDiff[] {
  const old = profilesOf(before);
  const current = profilesOf(after);
  const diffs: ProfileDiff[] = [];
  for (const [slug, profile] of current) {
    const previous = old.get(slug);
    const displayName = plain(profile.display_name ?? slug);
    if (!previous) {
      const fields = ADDED_FIELDS.map(profileField)
        .filter((field) => at(profile, field.path) !== undefined || field.field === "GPU")
        .map((field) => ({ field: field.field, before: "", after: field.show(at(profile, field.path)) }));
      diffs.push({ slug, change: "added", displayName, fields, otherSettings: [] });
      continue;
    }
    if (isDeepStrictEqual(previous, profile)) continue;
    const fields = PROFILE_FIELDS.filter(
      (field) => !isDeepStrictEqual(at(previous, field.path), at(profile, field.path)),
    ).map((field) => ({
      field: field.field,
      before: field.show(at(previous, field.path)),
      after: field.show(at(profile, field.path)),
    }));
    const otherSettings = [
      ...new Set(
        changedPaths(previous, profile)
          .filter((path) => !coveredBy(path))
          .map(shortPath),
      ),
    ];
    diffs.push({ slug, change: "changed", displayName, fields, otherSettings });
  }
  for (const [slug, profile] of old) {
    if (current.has(slug)) continue;
    diffs.push({
      slug,
      change: "removed",
      displayName: plain(profile.display_name ?? slug),
      fields: [],
      otherSettings: [],
    });
  }
  return diffs;
}

/** Hub-wide settings (everything but the profiles) that differ, with both values. */
export function diffHubSettings(before: Json | undefined, after: Json | undefined): SettingChange[] {
  if (!before || !after) return [];
  const { profiles: _before, ...restBefore } = before;
  const { profiles: _after, ...restAfter } = after;
  return changedPaths(restBefore, restAfter).map((path) => {
    const keys = path.split(".");
    return { path, before: quoted(at(restBefore, keys)), after: quoted(at(restAfter, keys)) };
  });
}

/** Objects sorted by kind, then name; within a kind added, removed, changed. */
export function diffObjects(before: RenderedFiles, after: RenderedFiles): ObjectDiff[] {
  const old = entriesOf(before);
  const current = entriesOf(after);
  const diffs: ObjectDiff[] = [];
  for (const [key, entry] of current) {
    const previous = old.get(key);
    if (!previous) diffs.push({ kind: entry.kind, name: entry.name, change: "added", paths: [] });
    else if (!isDeepStrictEqual(previous.value, entry.value)) {
      diffs.push({
        kind: entry.kind,
        name: entry.name,
        change: "changed",
        paths: changedPaths(previous.value, entry.value),
      });
    }
  }
  for (const [key, entry] of old) {
    if (!current.has(key)) diffs.push({ kind: entry.kind, name: entry.name, change: "removed", paths: [] });
  }
  const rank: Record<Change, number> = { added: 0, removed: 1, changed: 2 };
  return diffs.sort(
    (a, b) => a.kind.localeCompare(b.kind) || rank[a.change] - rank[b.change] || a.name.localeCompare(b.name),
  );
}

export function diffRenders(before: RenderedFiles, after: RenderedFiles): RenderDiff {
  const files = {
    added: [...after.keys()].filter((file) => !before.has(file)).sort(),
    removed: [...before.keys()].filter((file) => !after.has(file)).sort(),
    changed: [...after.keys()]
      .filter((file) => before.has(file) && before.get(file) !== after.get(file))
      .sort(),
  };
  const equal = files.added.length + files.removed.length + files.changed.length === 0;
  if (equal) return { equal, files, profiles: [], hubSettings: [], objects: [] };
  const settingsBefore = hubSettingsOf(before);
  const settingsAfter = hubSettingsOf(after);
  return {
    equal,
    files,
    profiles: diffProfiles(settingsBefore, settingsAfter),
    hubSettings: diffHubSettings(settingsBefore, settingsAfter),
    objects: diffObjects(before, after),
  };
}
