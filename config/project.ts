/** The project's names for the stack file's keys, shared by the loader and its parts. */

export const PROJECT = "gpu-jupyterhub";
/** Stack config keys that must be Pulumi secrets; they never enter the config object. */
export const SECRET_KEYS = ["oauthClientSecret", "databaseUrl"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** Top-level keys Pulumi itself allows in a stack file. */
export const PULUMI_STACK_KEYS = [
  "config",
  "secretsprovider",
  "encryptionsalt",
  "encryptedkey",
  "environment",
];

/** Stack config keys the loader reads itself; they are not part of the config object. */
export const LOADER_KEYS = ["profilesDir"];
export const PROFILES_DIR_KEY = `${PROJECT}:profilesDir`;

export interface TextFile {
  readonly file: string;
  /** The file's content: text, or the bytes as read (then it must be UTF-8). */
  readonly text: string | Uint8Array;
}
