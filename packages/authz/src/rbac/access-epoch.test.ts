import type { Queryable } from "@guardian/db";
import { useTestDatabase } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { createAccessChanges } from "../access-changes/access-changes.js";
import { createAccessEpoch } from "./access-epoch.js";

const db = useTestDatabase();

/**
 * The test database, counting queries. While `hold` is set, a query that starts then has its
 * result held back until `hold` resolves; `ran` resolves once it has run.
 */
function instrumented() {
  const state = {
    queries: 0,
    hold: undefined as Promise<void> | undefined,
    ran: () => {},
  };
  const q: Queryable = {
    query: (async (text: string, params?: unknown[]) => {
      state.queries++;
      const hold = state.hold;
      const ran = state.ran;
      const res = await db.pool().query(text, params);
      ran();
      if (hold) await hold;
      return res;
    }) as Queryable["query"],
  };
  return { q, state };
}

async function disableSomeone(): Promise<void> {
  const subject = `u${Math.random().toString(16).slice(2, 10)}`;
  await db
    .pool()
    .query(`INSERT INTO users (issuer, subject, username) VALUES ('t', $1, $1)`, [subject]);
  await db.pool().query(`UPDATE users SET disabled = true WHERE subject = $1`, [subject]);
}

describe("access epoch", () => {
  it("moves on changes that take access away, not on grants or bookkeeping", async () => {
    const epoch = createAccessEpoch(db.pool(), { pollMs: 250 });
    const start = await epoch.read();
    const subject = "epoch-user";
    await db
      .pool()
      .query(`INSERT INTO users (issuer, subject, username) VALUES ('t', $1, $1)`, [subject]);
    await db.pool().query(`UPDATE users SET last_seen_at = now() WHERE subject = $1`, [subject]);
    await db.pool().query(`INSERT INTO projects (name, created_by) VALUES ('epoch', 't')`);
    await db.pool().query(
      `INSERT INTO role_bindings (project, issuer, subject, role, created_by)
       VALUES ('epoch', 't', $1, 'viewer', 't')`,
      [subject],
    );
    expect(await epoch.read()).toBe(start);
    await db.pool().query(`DELETE FROM role_bindings WHERE subject = $1`, [subject]);
    expect(await epoch.read()).toBe(start + 1n);
    await db.pool().query(`UPDATE users SET disabled = true WHERE subject = $1`, [subject]);
    expect(await epoch.read()).toBe(start + 2n);
    await db.pool().query(`DELETE FROM users WHERE subject = $1`, [subject]);
    expect(await epoch.read()).toBe(start + 3n);
  });

  it("answers a read with a query that started after it, sharing queries between readers", async () => {
    const { q, state } = instrumented();
    // No gap: each query starts as soon as the one before it ends.
    const epoch = createAccessEpoch(q, { pollMs: 250, gapMs: 0 });
    const start = await epoch.read();
    let release = () => {};
    state.hold = new Promise<void>((r) => (release = r));
    const ran = new Promise<void>((r) => (state.ran = r));
    const early = epoch.read();
    state.hold = undefined;
    state.ran = () => {};
    await ran;
    // Committed while the early read is in flight: later reads must see it.
    await disableSomeone();
    const late = Array.from({ length: 10 }, () => epoch.read());
    release();
    expect(await early).toBe(start);
    expect(await Promise.all(late)).toEqual(Array.from({ length: 10 }, () => start + 1n));
    // The initial read, the early one, and one shared by the ten late readers.
    expect(state.queries).toBe(3);
  });

  it("starts queries a gap apart, each after every read it answers", async () => {
    const { q, state } = instrumented();
    const epoch = createAccessEpoch(q, { pollMs: 60_000, gapMs: 2_000 });
    const start = await epoch.read();
    // Within the gap after the first query: these wait for one shared query.
    const reads = Array.from({ length: 5 }, () => epoch.read());
    expect(state.queries).toBe(1);
    // Committed after the reads but before their query starts: they see it.
    await disableSomeone();
    expect(await Promise.all(reads)).toEqual(Array.from({ length: 5 }, () => start + 1n));
    expect(state.queries).toBe(2);
  });

  it("never answers a read with an earlier query, whenever the gap ends", async () => {
    // A clock that moves 6 ms per look against a 10 ms gap: a read finds the gap still
    // running, and by the time it schedules its query the gap is over.
    let t = 0;
    const epoch = createAccessEpoch(db.pool(), {
      pollMs: 60_000,
      gapMs: 10,
      now: () => (t += 6),
    });
    let last = await epoch.read();
    for (let i = 0; i < 5; i++) {
      await disableSomeone();
      const next = await epoch.read();
      expect(next).toBe(last + 1n);
      last = next;
    }
  });

  it("polls while someone listens and tells listeners of each new epoch", async () => {
    const { q, state } = instrumented();
    const epoch = createAccessEpoch(q, { pollMs: 50 });
    const start = await epoch.read();
    const seen: bigint[] = [];
    let heard = () => {};
    const heardNew = new Promise<void>((r) => (heard = r));
    const unsubscribe = epoch.subscribe((e) => {
      seen.push(e);
      if (e > start) heard();
    });
    await disableSomeone();
    await heardNew;
    unsubscribe();
    expect(seen).toContain(start + 1n);
    const after = state.queries;
    await new Promise((r) => setTimeout(r, 300));
    expect(state.queries).toBe(after);
  });

  it("learns of new epochs from the change feed, without polling, while the feed is live", async () => {
    const { q, state } = instrumented();
    const changes = createAccessChanges();
    const epoch = createAccessEpoch(q, { pollMs: 20, changes });
    changes.connected(7n);
    const seen: bigint[] = [];
    const unsubscribe = epoch.subscribe((e) => seen.push(e));
    changes.heard(8n);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([8n]);
    expect(state.queries).toBe(0);
    // Without the feed, polling takes over.
    changes.disconnected();
    await new Promise((r) => setTimeout(r, 200));
    unsubscribe();
    expect(state.queries).toBeGreaterThan(3);
  });

  it("still polls now and then while the feed says it is live, when asked to (a silently dead connection)", async () => {
    const { q, state } = instrumented();
    const changes = createAccessChanges();
    const epoch = createAccessEpoch(q, { pollMs: 20, livePollMs: 100, changes });
    changes.connected(await createAccessEpoch(db.pool(), { pollMs: 60_000 }).read());
    const start = await epoch.read();
    let heard = () => {};
    const heardNew = new Promise<void>((r) => (heard = r));
    const unsubscribe = epoch.subscribe((e) => {
      if (e > start) heard();
    });
    // The change is committed, but the feed never hears of it: the poll must find it.
    await disableSomeone();
    const before = state.queries;
    await heardNew;
    unsubscribe();
    expect(changes.live()).toBe(true);
    expect(state.queries).toBeGreaterThan(before);
  });

  it("answers reads from the epochs heard in step, and queries after a change heard without one", async () => {
    const { q, state } = instrumented();
    const start = await createAccessEpoch(db.pool(), { pollMs: 60_000 }).read();
    const changes = createAccessChanges();
    const epoch = createAccessEpoch(q, { pollMs: 60_000, changes, heardInStep: true });
    changes.connected(start);
    expect(await epoch.read()).toBe(start);
    changes.heard(start + 1n);
    expect(await epoch.read()).toBe(start + 1n);
    expect(state.queries).toBe(0);
    // A change without its epoch: only the database knows the epoch now.
    changes.changed();
    await epoch.read();
    expect(state.queries).toBe(1);
    // Contact lost: every read queries.
    changes.disconnected();
    await epoch.read();
    await epoch.read();
    expect(state.queries).toBe(3);
    changes.connected(start + 1n);
    expect(await epoch.read()).toBe(start + 1n);
    expect(state.queries).toBe(3);
  });

  it("queries on every read when changes are not heard in step", async () => {
    const { q, state } = instrumented();
    const changes = createAccessChanges();
    const epoch = createAccessEpoch(q, { pollMs: 60_000, changes });
    changes.connected(7n);
    await epoch.read();
    await epoch.read();
    expect(state.queries).toBe(2);
  });
});
