import { Code, ConnectError } from "@connectrpc/connect";
import { StoreService, VersionConflictSchema, WriteOp } from "@guardian/api";
import { guardServiceClient, isOutcomeUnknown } from "@guardian/kit";
import { failureOf, useTestDatabase } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqlEngine } from "./engine/sql/engine.js";
import type { StoreEngine } from "./engine/types.js";
import { createLocalStoreClient } from "./local-client.js";

const db = useTestDatabase();
let engine: StoreEngine;

beforeAll(async () => {
  engine = await createSqlEngine({ pool: db.pool() });
});

afterAll(async () => {
  await engine.close();
});

const value = (n: number) => new TextEncoder().encode(JSON.stringify({ n }));

describe("createLocalStoreClient", () => {
  it("answers writes and reads with complete messages, as the store's routes do", async () => {
    const store = createLocalStoreClient({ engine });
    const res = await store.write({ project: "local", key: "a", op: WriteOp.PUT, value: value(1) });
    expect(res.revision).toBeGreaterThan(0n);
    expect(res.kv?.version).toBe(res.revision);
    expect(res.idempotentReplay).toBe(false);
    const read = await store.get({ project: "local", key: "a" });
    expect(read.kv?.value).toEqual(value(1));
    // Fields the handler left out are there with their defaults.
    expect(read.kv?.meta?.labels).toEqual({});
  });

  it("fails with the store's own answer, which a guarded client passes on unchanged", async () => {
    const store = guardServiceClient(StoreService, createLocalStoreClient({ engine }), ["write"]);
    const first = await store.write({
      project: "local",
      key: "b",
      op: WriteOp.PUT,
      value: value(1),
    });
    const err = await failureOf(
      store.write({
        project: "local",
        key: "b",
        op: WriteOp.PUT,
        value: value(2),
        expectedVersion: first.revision - 1n,
      }),
    );
    expect(err.code).toBe(Code.Aborted);
    expect(isOutcomeUnknown(err)).toBe(false);
    expect(err.findDetails(VersionConflictSchema)[0]?.currentVersion).toBe(first.revision);
    const missing = await failureOf(
      store.write({
        project: "local",
        key: "nope",
        op: WriteOp.PUT,
        value: value(1),
        mustExist: true,
      }),
    );
    expect(missing.code).toBe(Code.NotFound);
  });

  it("delivers every change of a watch once, in order", async () => {
    const store = createLocalStoreClient({ engine });
    const start = await store.write({
      project: "watched",
      key: "k",
      op: WriteOp.PUT,
      value: value(0),
    });
    for (let n = 1; n <= 5; n++) {
      await store.write({ project: "watched", key: "k", op: WriteOp.PUT, value: value(n) });
    }
    const seen: bigint[] = [];
    for await (const res of store.watchKeys({
      project: "watched",
      startRevision: start.revision,
    })) {
      if (res.kind.case !== "events") continue;
      seen.push(...res.kind.value.events.map((e) => e.kv!.version));
      if (seen.length >= 6) break;
    }
    const expected = Array.from({ length: 6 }, (_, i) => start.revision + BigInt(i));
    expect(seen).toEqual(expected);
  });

  it("fails a watch with Canceled when its caller aborts the call", async () => {
    const store = createLocalStoreClient({ engine });
    const ac = new AbortController();
    const stream = store.watchKeys({ project: "quiet", startRevision: 0n }, { signal: ac.signal });
    const ended = (async () => {
      for await (const res of stream) void res;
    })().catch((e: unknown) => ConnectError.from(e));
    setTimeout(() => ac.abort(), 50);
    expect((await ended)?.code).toBe(Code.Canceled);
    await expect(
      store.get({ project: "watched", key: "k" }, { signal: ac.signal }),
    ).rejects.toThrow("canceled");
  });

  it("bounds a call by its timeoutMs, and ends that bound with the call", async () => {
    let seen: AbortSignal | undefined;
    const watched: StoreEngine = {
      ...engine,
      get: (project, key, opts) => {
        seen = opts?.signal;
        return engine.get(project, key, opts);
      },
    };
    const store = createLocalStoreClient({ engine: watched });
    await store.get({ project: "watched", key: "k" }, { timeoutMs: 30 });
    await new Promise((resolve) => setTimeout(resolve, 80));
    // The call ended well within its time: nothing aborts its signal afterwards.
    expect(seen?.aborted).toBe(false);

    const stream = store.watchKeys({ project: "quiet", startRevision: 0n }, { timeoutMs: 50 });
    const ended = await (async () => {
      for await (const res of stream) void res;
    })().catch((e: unknown) => ConnectError.from(e));
    expect(ended?.code).toBe(Code.DeadlineExceeded);
  });
});
