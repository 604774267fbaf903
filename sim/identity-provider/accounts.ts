/**
 * The test accounts: each with a stable `sub` (a hash of its username, as Authentik's default
 * "hashed user ID" is stable per user) and the claims Authentik's scope mappings return. Passwords are
 * kept as SHA-256 digests and compared in constant time: fast enough for a class signing in at once
 * (these are generated test passwords, not stored credentials, so no slow hash is needed).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { TestAccount } from "./types";

export interface ClaimNames {
  readonly groupsClaim: string;
  readonly usernameClaim: string;
}

interface Entry {
  readonly sub: string;
  readonly account: TestAccount;
  readonly digest: Buffer;
}

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/** Stable per username, and says nothing about the password. */
export function subjectOf(username: string): string {
  return createHash("sha256").update(`sim-identity-provider:${username}`, "utf8").digest("hex");
}

export class AccountBook {
  private readonly byName = new Map<string, Entry>();
  private readonly bySub = new Map<string, Entry>();
  /** Compared against when the username is unknown, so both refusals take the same time. */
  private readonly nobody = digest("no such account");

  constructor(
    accounts: readonly TestAccount[],
    private readonly names: ClaimNames,
  ) {
    for (const account of accounts) {
      if (this.byName.has(account.username)) throw new Error(`account ${account.username} is listed twice`);
      const entry = { sub: subjectOf(account.username), account, digest: digest(account.password) };
      this.byName.set(account.username, entry);
      this.bySub.set(entry.sub, entry);
    }
  }

  /** The account's `sub` if the password is right; undefined for a wrong password or an unknown user. */
  verify(username: string, password: string): string | undefined {
    const entry = this.byName.get(username);
    const matches = timingSafeEqual(digest(password), entry?.digest ?? this.nobody);
    return entry && matches ? entry.sub : undefined;
  }

  has(sub: string): boolean {
    return this.bySub.has(sub);
  }

  /** Every claim the account has; oidc-provider keeps only those the token's scopes grant. */
  claims(sub: string): Record<string, unknown> & { sub: string } {
    const entry = this.bySub.get(sub);
    if (!entry) throw new Error(`no account with sub ${sub}`);
    const { username, groups, email } = entry.account;
    return {
      sub,
      name: username,
      nickname: username,
      preferred_username: username,
      email: email ?? `${username}@example.org`,
      email_verified: true,
      [this.names.usernameClaim]: username,
      [this.names.groupsClaim]: [...groups],
    };
  }
}

/**
 * Which claims each scope releases, as Authentik's default scope mappings do: `profile` carries the
 * names and the groups, `email` the address; a `groups` scope (the stack asks for it) the groups too.
 */
export function claimsByScope(names: ClaimNames, scopes: readonly string[]): Record<string, string[]> {
  const profile = ["name", "nickname", "preferred_username", names.usernameClaim, names.groupsClaim];
  const mapping: Record<string, string[]> = {
    openid: ["sub"],
    profile: [...new Set(profile)],
    email: ["email", "email_verified"],
  };
  if (scopes.includes("groups")) mapping.groups = [names.groupsClaim];
  return mapping;
}
