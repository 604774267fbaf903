/**
 * Reading the files people write: the profiles folder (which entries are profiles, which are
 * skipped with a note, which are refused) and the bytes of each file as UTF-8 text.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { ConfigIssue } from "./issues";

/** Profiles larger than this are not a profile (a pasted log, a binary); read no further. */
export const MAX_PROFILE_BYTES = 64 * 1024;
/** The same for the stack file. */
export const MAX_STACK_BYTES = 1024 * 1024;

export interface ProfilesFolder {
  /** The profile files, sorted by name. */
  readonly files: readonly string[];
  /** Entries refused (errors) or skipped (notes). */
  readonly issues: readonly ConfigIssue[];
}

const PROFILE_FILE = /\.ya?ml$/;
const PROFILE_FILE_ANY_CASE = /\.ya?ml$/i;
/** Files editors, merge tools and desktops leave beside the ones people edit. */
const LEFTOVER = /(~|\.(swp|swo|swx|swn|bak|orig|rej|tmp|temp|old))$|^#.*#$|^~\$/i;
const DESKTOP_FILES = new Set(["thumbs.db", "desktop.ini", "icon\r"]);

/**
 * Sorts the entries of a profiles folder. Profiles: `*.yaml` and `*.yml`. Skipped with a note:
 * hidden entries (`.DS_Store`, `.foo.yaml.swp`, `.#foo.yaml`), editor backups (`foo.yaml~`,
 * `#foo.yaml#`, `*.bak`, `*.orig`, `*.swp`) and desktop files (`Thumbs.db`). Refused: other cases
 * of the extension (`.YAML`), subfolders, anything else, and entries that cannot be read.
 */
export function scanProfilesFolder(dir: string): ProfilesFolder {
  const files: string[] = [];
  const issues: ConfigIssue[] = [];
  const refuse = (file: string, field: string, message: string) =>
    issues.push({ file, field, message, severity: "error" });
  const skip = (file: string, why: string) =>
    issues.push({ file, field: "(file)", message: `skipped: ${why}`, severity: "note" });
  const names = readdirSync(dir).sort();
  for (const name of names) {
    const full = path.join(dir, name);
    if (name.startsWith(".")) {
      skip(full, "a hidden entry (an editor's or the system's file), not a profile");
      continue;
    }
    if (LEFTOVER.test(name) || DESKTOP_FILES.has(name.toLowerCase())) {
      skip(full, "an editor's backup or swap file, or a desktop file, not a profile");
      continue;
    }
    let kind: "file" | "folder" | "other";
    try {
      const stat = statSync(full);
      kind = stat.isFile() ? "file" : stat.isDirectory() ? "folder" : "other";
    } catch (error) {
      refuse(
        full,
        "(file)",
        `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}); a link to a file that is gone? Remove it or fix it`,
      );
      continue;
    }
    if (kind === "folder") {
      refuse(
        full,
        "(folder)",
        "profiles are read only from the profiles folder itself, not from subfolders: move the profile files up into it, or move this folder elsewhere",
      );
    } else if (kind === "other") {
      refuse(full, "(file)", "is not a regular file; remove it from the profiles folder");
    } else if (PROFILE_FILE.test(name)) {
      files.push(full);
    } else if (PROFILE_FILE_ANY_CASE.test(name)) {
      const renamed = name.replace(PROFILE_FILE_ANY_CASE, ".yaml");
      refuse(
        full,
        "(file)",
        `the extension must be lowercase .yaml or .yml, or the file would be skipped on Linux and in CI: rename it to ${renamed}`,
      );
    } else {
      refuse(
        full,
        "(file)",
        "is not a profile: only .yaml and .yml files belong in the profiles folder. Rename it to .yaml if it is one; " +
          "to take a profile off the spawn page, move its file out of the folder (git keeps its history)",
      );
    }
  }
  return { files, issues };
}

export type ReadResult = { readonly text: string } | { readonly issue: ConfigIssue };

/** Reads a file as UTF-8 text; anything else (not found, too large, another encoding) is an issue. */
export function readTextFile(file: string, maxBytes: number): ReadResult {
  let bytes: Buffer;
  try {
    const size = statSync(file).size;
    if (size > maxBytes) {
      return fileIssue(
        file,
        `is ${Math.ceil(size / 1024)} KiB, too large for this kind of file (at most ${maxBytes / 1024} KiB); is it the right file?`,
      );
    }
    bytes = readFileSync(file);
  } catch (error) {
    return fileIssue(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return decodeText(file, bytes);
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });
const LENIENT_UTF8 = new TextDecoder("utf-8");
const REPLACEMENT = "\uFFFD";

/**
 * The text of a file that must be UTF-8. Other encodings are refused with the line and column of
 * the first byte that is not UTF-8, and so is a U+FFFD replacement character already in the text,
 * the mark of an earlier conversion that lost a character: neither may reach the spawn page.
 */
export function decodeText(file: string, content: string | Uint8Array): ReadResult {
  if (typeof content !== "string") {
    if ((content[0] === 0xff && content[1] === 0xfe) || (content[0] === 0xfe && content[1] === 0xff)) {
      return fileIssue(file, "is UTF-16 text; save it as UTF-8 (in the editor's encoding menu)", {
        line: 1,
        col: 1,
      });
    }
    const nul = content.indexOf(0);
    if (nul >= 0) {
      const position = positionIn(LENIENT_UTF8.decode(content.subarray(0, nul)), Number.POSITIVE_INFINITY);
      return fileIssue(file, "is not a text file (it holds NUL bytes); is it the right file?", position);
    }
    try {
      return decodeText(file, STRICT_UTF8.decode(content));
    } catch {
      const lenient = LENIENT_UTF8.decode(content);
      const index = lenient.indexOf(REPLACEMENT);
      const byte = content[Buffer.byteLength(lenient.slice(0, index), "utf8")] ?? 0;
      return fileIssue(
        file,
        `is not UTF-8 text: byte 0x${byte.toString(16).toUpperCase().padStart(2, "0")} here is not UTF-8 (saved as Latin-1 or Windows-1252?); save the file as UTF-8`,
        positionIn(lenient, index),
      );
    }
  }
  const index = content.indexOf(REPLACEMENT);
  if (index >= 0) {
    return fileIssue(
      file,
      "holds U+FFFD (�), the mark an earlier conversion left where it lost a character; retype the character that belongs here",
      positionIn(content, index),
    );
  }
  return { text: content };
}

/** 1-based line and column (in UTF-16 units, as the YAML library counts) of `index` in `text`. */
function positionIn(text: string, index: number): { line: number; col: number } {
  const before = text.slice(0, Math.min(index, text.length));
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, col: before.length - lineStart + 1 };
}

function fileIssue(
  file: string,
  message: string,
  position?: { line: number; col: number },
): { issue: ConfigIssue } {
  return { issue: { file, ...(position ? { position } : {}), field: "(file)", message, severity: "error" } };
}
