import { useTestDatabase } from "@guardian/testkit";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { createCredentialCleanupJob } from "./credential-cleanup.js";

const db = useTestDatabase();
const day = 86_400_000;
let userId = "";
let counter = 0;

beforeAll(async () => {
  const u = await db
    .pool()
    .query<{ id: string }>(
      "INSERT INTO users (issuer, subject, username) VALUES ('local', 'cc', 'cc') RETURNING id",
    );
  userId = u.rows[0]!.id;
});

/** A session that expires, or was revoked, `days` from now (negative: in the past). */
async function session(ended: { expiresDays: number; revokedDays?: number }): Promise<string> {
  const s = await db.pool().query<{ id: string }>(
    `INSERT INTO auth_sessions (user_id, expires_at, revoked_at)
     VALUES ($1, now() + $2 * interval '1 day', now() + $3 * interval '1 day') RETURNING id`,
    [userId, ended.expiresDays, ended.revokedDays ?? null],
  );
  const id = s.rows[0]!.id;
  for (const n of [1, 2]) {
    await db
      .pool()
      .query("INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)", [
        `${id}-${n}`,
        id,
      ]);
  }
  return id;
}

async function project(): Promise<string> {
  const name = `cc-${process.pid}-${++counter}`;
  await db.pool().query("INSERT INTO projects (name, created_by) VALUES ($1, 'test')", [name]);
  return name;
}

/** An API key of `project` that expires, or was revoked, `days` from now. */
async function apiKey(
  p: string,
  ended: { expiresDays?: number; revokedDays?: number },
  rotatedFrom?: string,
): Promise<string> {
  const k = await db.pool().query<{ id: string }>(
    `INSERT INTO api_keys (project, name, lookup, secret_hash, expires_at, revoked_at, rotated_from, created_by)
     VALUES ($1, 'k' || gen_random_uuid(), gen_random_uuid()::text, 'h',
             now() + $2 * interval '1 day', now() + $3 * interval '1 day', $4, 'test')
     RETURNING id`,
    [p, ended.expiresDays ?? null, ended.revokedDays ?? null, rotatedFrom ?? null],
  );
  return k.rows[0]!.id;
}

const ids = async (table: string, column = "id") =>
  (await db.pool().query<{ id: string }>(`SELECT ${column}::text AS id FROM ${table}`)).rows
    .map((r) => r.id)
    .sort();

const epoch = async () =>
  Number(
    (await db.pool().query<{ e: string }>("SELECT epoch::text AS e FROM access_epoch")).rows[0]!.e,
  );

const job = (opts: { pool?: pg.Pool; batchSize?: number } = {}) =>
  createCredentialCleanupJob({
    pool: opts.pool ?? db.pool(),
    settings: { refreshTokenGrace: 7 * day, apiKeyRetention: 30 * day },
    ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
  });
const run = (j: ReturnType<typeof job>, signal = new AbortController().signal) => j.run({ signal });

describe("credential cleanup job", () => {
  it("deletes sessions and API keys ended longer ago than their grace, and nothing else", async () => {
    const live = await session({ expiresDays: 10 });
    const recentlyExpired = await session({ expiresDays: -6 });
    await session({ expiresDays: -8 });
    const recentlyRevoked = await session({ expiresDays: 10, revokedDays: -6 });
    await session({ expiresDays: 10, revokedDays: -8 });
    const p = await project();
    const forever = await apiKey(p, {});
    const valid = await apiKey(p, { expiresDays: 5 });
    const expired = await apiKey(p, { expiresDays: -29 });
    const longExpiredKey = await apiKey(p, { expiresDays: -31 });
    const revoked = await apiKey(p, { revokedDays: -29, expiresDays: 100 });
    const longRevokedKey = await apiKey(p, { revokedDays: -31, expiresDays: 100 });
    const before = await epoch();

    expect(await run(job())).toMatchObject({ sessions: 2, refreshTokens: 4, apiKeys: 2 });
    expect(await ids("auth_sessions")).toEqual([live, recentlyExpired, recentlyRevoked].sort());
    expect(await ids("refresh_tokens", "session_id")).toEqual(
      [live, live, recentlyExpired, recentlyExpired, recentlyRevoked, recentlyRevoked].sort(),
    );
    expect(await ids("api_keys")).toEqual([forever, valid, expired, revoked].sort());
    // Deleting keys moves the access epoch, so every process drops its cached credentials.
    expect(await epoch()).toBeGreaterThan(before);
    const audit = await db
      .pool()
      .query<{ target: string }>(
        "SELECT target FROM audit_log WHERE action = 'auth.api_key_deleted' AND project = $1",
        [p],
      );
    expect(audit.rows.map((r) => r.target).sort()).toEqual(
      [longExpiredKey, longRevokedKey].map((id) => `projects/${p}/apikeys/${id}`).sort(),
    );

    expect(await run(job())).toMatchObject({ sessions: 0, refreshTokens: 0, apiKeys: 0 });
  });

  it("deletes counts of wrong-password guesses whose lockout window has passed", async () => {
    await db.pool().query(
      `INSERT INTO login_attempts (key, attempts, expires_at) VALUES
         ('account:old', ARRAY[now() - interval '2 hours'], now() - interval '1 hour'),
         ('account:new', ARRAY[now()], now() + interval '15 minutes')`,
    );
    expect(await run(job())).toMatchObject({ loginAttempts: 1 });
    expect(await ids("login_attempts", "key")).toEqual(["account:new"]);
  });

  it("deletes a key another key was rotated from only after that one", async () => {
    const p = await project();
    const older = await apiKey(p, { revokedDays: -60 });
    const newer = await apiKey(p, { revokedDays: -40 }, older);
    expect(await run(job({ batchSize: 1 }))).toMatchObject({ apiKeys: 2 });
    expect(await ids("api_keys")).not.toContain(older);
    expect(await ids("api_keys")).not.toContain(newer);
  });

  it("stops between batches when its signal aborts, and finishes on the next run", async () => {
    for (let i = 0; i < 4; i++) await session({ expiresDays: -20 });
    const ac = new AbortController();
    let queries = 0;
    const real = db.pool();
    // Aborts while the second batch runs: that batch completes, the third never starts.
    const pool = {
      query: (...args: Parameters<pg.Pool["query"]>) => {
        if (++queries === 2) ac.abort();
        return real.query(...args);
      },
    } as unknown as pg.Pool;
    expect(await run(job({ pool, batchSize: 1 }), ac.signal)).toEqual({
      sessions: 2,
      refreshTokens: 4,
      apiKeys: 0,
      loginAttempts: 0,
      aborted: true,
    });
    expect(await run(job({ batchSize: 1 }))).toMatchObject({ sessions: 2, refreshTokens: 4 });
  });
});
