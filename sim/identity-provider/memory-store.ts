/**
 * oidc-provider's storage, in memory and per provider. Its built-in adapter is one LRU of 1,000
 * entries shared by every provider in the process: a class of 150 students (a session, an interaction,
 * a grant, a code and a token each) would evict each other's sessions. This one keeps everything until
 * it expires, which the provider's TTLs bound.
 */
import type { Adapter, AdapterPayload } from "oidc-provider";

interface Stored {
  payload: AdapterPayload;
  expiresAt: number;
}

/** Models whose entries belong to a grant, so revoking the grant removes them. */
const GRANTABLE = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
]);

export class MemoryStore {
  private readonly entries = new Map<string, Stored>();
  private readonly sessionsByUid = new Map<string, string>();
  private readonly byUserCode = new Map<string, string>();
  private readonly byGrant = new Map<string, Set<string>>();

  get size(): number {
    return this.entries.size;
  }

  /** The adapter factory oidc-provider's `adapter` option takes: one adapter per model. */
  readonly adapterFor = (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    const find = async (id: string | undefined) => (id === undefined ? undefined : this.get(key(id)));
    return {
      upsert: async (id, payload, expiresIn) => {
        this.sweep();
        const at = key(id);
        if (model === "Session" && payload.uid) this.sessionsByUid.set(payload.uid, id);
        if (payload.userCode) this.byUserCode.set(payload.userCode, id);
        if (GRANTABLE.has(model) && payload.grantId) {
          const tokens = this.byGrant.get(payload.grantId) ?? new Set<string>();
          tokens.add(at);
          this.byGrant.set(payload.grantId, tokens);
        }
        this.entries.set(at, { payload, expiresAt: Date.now() + expiresIn * 1000 });
      },
      find: (id) => find(id),
      findByUid: (uid) => find(this.sessionsByUid.get(uid)),
      findByUserCode: (userCode) => find(this.byUserCode.get(userCode)),
      consume: async (id) => {
        const stored = this.entries.get(key(id));
        if (stored) stored.payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        this.entries.delete(key(id));
      },
      revokeByGrantId: async (grantId) => {
        for (const at of this.byGrant.get(grantId) ?? []) this.entries.delete(at);
        this.byGrant.delete(grantId);
      },
    };
  };

  private get(at: string): AdapterPayload | undefined {
    const stored = this.entries.get(at);
    if (!stored) return undefined;
    if (stored.expiresAt > Date.now()) return stored.payload;
    this.entries.delete(at);
    return undefined;
  }

  private lastSweep = Date.now();

  /** Drops expired entries and their indexes, at most once a minute (lookups skip them meanwhile). */
  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [at, stored] of this.entries) if (stored.expiresAt <= now) this.entries.delete(at);
    for (const [uid, id] of this.sessionsByUid)
      if (!this.entries.has(`Session:${id}`)) this.sessionsByUid.delete(uid);
    for (const [code, id] of this.byUserCode)
      if (!this.entries.has(`DeviceCode:${id}`)) this.byUserCode.delete(code);
    for (const [grantId, tokens] of this.byGrant) {
      for (const at of tokens) if (!this.entries.has(at)) tokens.delete(at);
      if (tokens.size === 0) this.byGrant.delete(grantId);
    }
  }
}
