import { hash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { AccessChanges } from "../access-changes/access-changes.js";

/** A verified credential as the cache keeps it. */
export interface VerifiedCredential<T> {
  /** What the credential authenticates as. */
  value: T;
  /**
   * When it stops applying (epoch milliseconds): the API key's expiry or the end of the
   * previous secret's grace period, the token's `exp`; Infinity when never.
   */
  until: number;
}

/** Verified API keys and bearer tokens of one process; see {@link createCredentialCache}. */
export interface CredentialCache<T> {
  /** Returns what `credential` was verified as, while that still applies; else undefined. */
  get(credential: string): T | undefined;
  /**
   * Starts verifying `credential`; the returned function keeps the result, unless an access
   * change was heard (or contact lost) meanwhile, since the result may predate it.
   */
  begin(credential: string): (verified: VerifiedCredential<T>) => void;
  /**
   * What `credential` was verified as when the process lost contact with access changes,
   * while that still applies and the contact has been lost for less than `outageGraceMs`;
   * else undefined. Only for a call whose verification the database cannot answer.
   */
  lastKnown(credential: string): T | undefined;
}

/** Options of {@link createCredentialCache}. */
export interface CredentialCacheOptions {
  /** The most credentials kept; the least recently used goes first. */
  max: number;
  /**
   * How long after losing contact with access changes the credentials verified before may
   * still admit calls that the database cannot answer (see {@link CredentialCache.lastKnown}).
   * 0 (the default): never.
   */
  outageGraceMs?: number;
  /** The clock (epoch milliseconds); tests pass their own. */
  now?: () => number;
}

/** The cache key of a credential: its SHA-256, so that no secret is kept in memory. */
function keyOf(credential: string): string {
  return hash("sha256", credential, "base64url");
}

/**
 * Creates the credential cache. A hit costs no query and no signature check. Entries are
 * dropped on every access change (`changes`), and nothing is answered or kept while the
 * process does not hear changes. An entry is never used at or after its `until`: the
 * credential is then verified again, which refuses it with the usual message. When contact
 * is lost, the entries of that moment are held for {@link CredentialCache.lastKnown}; any
 * later change, or contact regained, drops them.
 */
export function createCredentialCache<T>(
  changes: AccessChanges,
  opts: CredentialCacheOptions,
): CredentialCache<T> {
  const now = opts.now ?? Date.now;
  // Made on first use: lru-cache sizes its arrays for `max` when made.
  let entries: LRUCache<string, VerifiedCredential<T>> | undefined;
  const graceMs = opts.outageGraceMs ?? 0;
  let held: { since: number; entries: Map<string, VerifiedCredential<T>> } | undefined;
  let wasLive = changes.live();
  changes.subscribe(() => {
    const live = changes.live();
    held =
      wasLive && !live && graceMs > 0
        ? { since: now(), entries: new Map(entries?.entries()) }
        : undefined;
    entries?.clear();
    wasLive = live;
  });
  return {
    get(credential) {
      if (!changes.live()) return undefined;
      const key = keyOf(credential);
      const hit = entries?.get(key);
      if (!hit) return undefined;
      if (now() < hit.until) return hit.value;
      entries?.delete(key);
      return undefined;
    },
    begin(credential) {
      const generation = changes.generation();
      return (verified) => {
        if (!changes.live() || changes.generation() !== generation) return;
        if (now() >= verified.until) return;
        entries ??= new LRUCache({ max: opts.max });
        entries.set(keyOf(credential), verified);
      };
    },
    lastKnown(credential) {
      if (!held || changes.live() || now() - held.since >= graceMs) return undefined;
      const hit = held.entries.get(keyOf(credential));
      return hit && now() < hit.until ? hit.value : undefined;
    },
  };
}
