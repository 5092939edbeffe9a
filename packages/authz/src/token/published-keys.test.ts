import type { Queryable } from "@guardian/db";
import { useTestDatabase } from "@guardian/testkit";
import { errors, exportJWK, generateKeyPair, type FlattenedJWSInput } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createPublishedKeyResolver, listPublishedKeys } from "./published-keys.js";

const db = useTestDatabase();
// The resolver only reads the header; jose passes the token too.
const token: FlattenedJWSInput = { payload: "", signature: "" };

beforeAll(() => {
  db.pool().on("error", () => {}); // the database is dropped WITH (FORCE) after the file
});

async function insertKey(kid: string, publishUntil?: string) {
  const { publicKey } = await generateKeyPair("ES256", { extractable: true });
  await db.pool().query(
    `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, retired_at, publish_until)
     VALUES ($1, 'ES256', $2, 'plain:{}', $3, $3)`,
    [kid, JSON.stringify(await exportJWK(publicKey)), publishUntil ?? null],
  );
}

describe("published keys of the built-in issuer", () => {
  it("lists the current key and retired keys still within their publication", async () => {
    await insertKey("retired-live", new Date(Date.now() + 60_000).toISOString());
    await insertKey("retired-gone", new Date(Date.now() - 1000).toISOString());
    await insertKey("current");
    const keys = await listPublishedKeys(db.pool());
    expect(keys.map((k) => k.kid).sort()).toEqual(["current", "retired-live"]);
    expect(keys.find((k) => k.kid === "current")?.jwk).toMatchObject({
      kty: "EC",
      use: "sig",
      alg: "ES256",
    });
  });

  it("finds a key another process added, by reloading on an unknown kid", async () => {
    const resolver = createPublishedKeyResolver(db.pool(), { maxAgeMs: 60_000, cooldownMs: 0 });
    await resolver({ alg: "ES256", kid: "current" }, token);
    await db
      .pool()
      .query(
        `UPDATE signing_keys SET retired_at = now(), publish_until = now() + interval '1 minute' WHERE kid = 'current'`,
      );
    await insertKey("rotated-in");
    await expect(resolver({ alg: "ES256", kid: "rotated-in" }, token)).resolves.toBeDefined();
    await expect(resolver({ alg: "ES256", kid: "current" }, token)).resolves.toBeDefined();
  });

  it("refuses unknown kids, a mismatched alg, and rate-limits reloads", async () => {
    let queries = 0;
    const counting: Queryable = {
      query: ((text: string) => {
        queries += 1;
        return db.pool().query(text);
      }) as Queryable["query"],
    };
    const resolver = createPublishedKeyResolver(counting, { maxAgeMs: 60_000, cooldownMs: 60_000 });
    await expect(resolver({ alg: "RS256", kid: "rotated-in" }, token)).rejects.toBeInstanceOf(
      errors.JWKSNoMatchingKey,
    );
    for (let i = 0; i < 5; i++) {
      await expect(resolver({ alg: "ES256", kid: `forged-${i}` }, token)).rejects.toBeInstanceOf(
        errors.JWKSNoMatchingKey,
      );
    }
    expect(queries).toBe(1);
  });
});
