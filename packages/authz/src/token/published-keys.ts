import type { Queryable } from "@guardian/db";
import { selectPublishedSigningKeys } from "../sql/signing-keys.js";
import {
  errors,
  importJWK,
  type CryptoKey,
  type JWK,
  type JWTVerifyGetKey,
  type JWSHeaderParameters,
} from "jose";

/** A public signing key of the built-in issuer, as published in its JWKS. */
export interface PublishedKey {
  kid: string;
  alg: string;
  /** The public JWK (with kid, alg and use). */
  jwk: JWK;
  /** When the key stops being published; undefined for the current key. */
  publishUntil?: Date;
}

/**
 * Lists the built-in issuer's published keys: the current key and retired keys that may
 * still have signed unexpired tokens. Newest first.
 */
export async function listPublishedKeys(db: Queryable): Promise<PublishedKey[]> {
  return (await selectPublishedSigningKeys(db)).map((r) => ({
    kid: r.kid,
    alg: r.alg,
    jwk: { ...r.public_jwk, kid: r.kid, alg: r.alg, use: "sig" },
    ...(r.publish_until ? { publishUntil: r.publish_until } : {}),
  }));
}

/** Options for {@link createPublishedKeyResolver}. */
export interface PublishedKeyResolverOptions {
  /** Reload the key set when it is older than this. Default 60 s. */
  maxAgeMs?: number;
  /** After a load, an unknown kid triggers another load only after this. Default 1 s. */
  cooldownMs?: number;
}

/** A jose key resolver over the built-in issuer's keys in PostgreSQL. */
export interface PublishedKeyResolver extends JWTVerifyGetKey {
  /** Forgets the cached key set, so the next verification reloads it (after a rotation). */
  invalidate(): void;
}

interface LoadedKey {
  alg: string;
  key: CryptoKey | Uint8Array;
  publishUntil?: Date;
}

interface Loaded {
  at: number;
  keys: Map<string, LoadedKey>;
}

/**
 * Creates the key resolver every process uses to verify built-in tokens: it reads the public
 * keys from `signing_keys`, caches them, reloads on an unknown kid (rate-limited by the
 * cooldown, so a flood of forged kids cannot hammer the database) and when the cache ages
 * out. A key past its publish_until is refused even while cached.
 */
export function createPublishedKeyResolver(
  db: Queryable,
  opts: PublishedKeyResolverOptions = {},
): PublishedKeyResolver {
  const maxAgeMs = opts.maxAgeMs ?? 60_000;
  const cooldownMs = opts.cooldownMs ?? 1_000;
  let loaded: Loaded | undefined;
  let loading: Promise<Loaded> | undefined;

  const load = (): Promise<Loaded> => {
    loading ??= (async () => {
      try {
        const keys = new Map<string, LoadedKey>();
        for (const k of await listPublishedKeys(db)) {
          keys.set(k.kid, {
            alg: k.alg,
            key: await importJWK(k.jwk, k.alg),
            ...(k.publishUntil ? { publishUntil: k.publishUntil } : {}),
          });
        }
        loaded = { at: Date.now(), keys };
        return loaded;
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  };

  const find = (set: Loaded, header: JWSHeaderParameters) => {
    const entry = header.kid === undefined ? undefined : set.keys.get(header.kid);
    if (!entry || entry.alg !== header.alg) return undefined;
    if (entry.publishUntil && entry.publishUntil.getTime() <= Date.now()) return undefined;
    return entry.key;
  };

  const resolver = async (header: JWSHeaderParameters) => {
    let set = loaded && Date.now() - loaded.at < maxAgeMs ? loaded : await load();
    let key = find(set, header);
    if (key === undefined && Date.now() - set.at >= cooldownMs) {
      set = await load();
      key = find(set, header);
    }
    if (key === undefined) throw new errors.JWKSNoMatchingKey();
    return key;
  };
  return Object.assign(resolver, {
    invalidate() {
      loaded = undefined;
    },
  });
}
