import { Code, ConnectError } from "@connectrpc/connect";
import type { Queryable } from "@guardian/db";
import { useTestDatabase } from "@guardian/testkit";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { createAccessEpoch, type AccessEpoch } from "./access-epoch.js";
import { guardStream, maxReadAhead } from "./stream-guard.js";

const db = useTestDatabase();

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A source the test pushes messages into; `pulled` counts the messages taken from it. */
function channel<T>() {
  const queue: T[] = [];
  let waiting: Deferred<void> | undefined;
  const state = { pulled: 0 };
  async function* messages(): AsyncGenerator<T> {
    for (;;) {
      while (queue.length === 0) {
        waiting = deferred();
        await waiting.promise;
      }
      state.pulled++;
      yield queue.shift() as T;
    }
  }
  return {
    state,
    source: messages(),
    push(...values: T[]) {
      queue.push(...values);
      waiting?.resolve();
    },
  };
}

/** An access epoch whose reads the test answers one at a time, in order. */
function heldEpoch() {
  const reads: Deferred<bigint>[] = [];
  const next = deferred<void>();
  let readCalled = next;
  const epoch: AccessEpoch = {
    read() {
      const d = deferred<bigint>();
      reads.push(d);
      readCalled.resolve();
      return d.promise;
    },
    subscribe: () => () => {},
  };
  return {
    epoch,
    reads,
    /** Resolves once `n` reads have been asked for. */
    async readsAsked(n: number) {
      while (reads.length < n) {
        readCalled = deferred();
        await readCalled.promise;
      }
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

/**
 * A guarded stream of numbers on a held epoch, asked for its first message, with the read
 * of its check at open answered (epoch 1).
 */
async function openHeld() {
  const held = heldEpoch();
  const src = channel<number>();
  const stream = guardStream(src.source, held.epoch, { recheck: async () => undefined })[
    Symbol.asyncIterator
  ]();
  const first = stream.next();
  await held.readsAsked(1);
  held.reads[0]!.resolve(1n);
  return { ...held, src, stream, first };
}

/** The heap in use after a full collection. */
function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  return process.memoryUsage().heapUsed;
}

describe("guardStream admits messages in batches", () => {
  it("delivers a burst with a handful of epoch queries, not one per message", async () => {
    // The real per-process epoch on the test database, at its default gap between queries.
    const state = { queries: 0 };
    const counted: Queryable = {
      query: ((text: string, params?: unknown[]) => {
        state.queries++;
        return db.pool().query(text, params);
      }) as Queryable["query"],
    };
    const epoch = createAccessEpoch(counted, { pollMs: 60_000 });
    const count = 2_000;
    async function* burst() {
      for (let i = 0; i < count; i++) {
        yield i;
        // Messages keep coming while earlier ones wait for their query.
        if (i % 50 === 0) await tick();
      }
    }
    const got: number[] = [];
    for await (const m of guardStream(burst(), epoch, { recheck: async () => undefined })) {
      got.push(m);
    }
    expect(got).toEqual(Array.from({ length: count }, (_, i) => i));
    // One query per message would be 2,000 (20 s at one query per 10 ms gap).
    expect(state.queries).toBeLessThan(count / 10);
  });

  it("holds a message that arrived after a query started for the next one", async () => {
    const { epoch, reads, readsAsked } = heldEpoch();
    const src = channel<string>();
    let access = true;
    const stream = guardStream(src.source, epoch, {
      recheck: async () => {
        if (!access) throw new ConnectError("access removed", Code.PermissionDenied);
        return undefined;
      },
    })[Symbol.asyncIterator]();
    const first = stream.next();
    // Read 1 is the check as the stream opens.
    await readsAsked(1);
    reads[0]!.resolve(1n);
    src.push("a");
    await readsAsked(2);
    // "b" arrives while the query that admits "a" is still running.
    src.push("b");
    await tick();
    reads[1]!.resolve(1n);
    expect(await first).toEqual({ done: false, value: "a" });
    const second = stream.next();
    await readsAsked(3);
    // The query started after "b" arrived sees the revocation: "b" never leaves.
    access = false;
    reads[2]!.resolve(2n);
    await expect(second).rejects.toMatchObject({ code: Code.PermissionDenied });
  });

  it("admits everything that waited with one read, in order", async () => {
    const { reads, readsAsked, src, stream, first } = await openHeld();
    src.push(1);
    await readsAsked(2);
    src.push(2, 3, 4, 5);
    await tick();
    reads[1]!.resolve(1n);
    expect((await first).value).toBe(1);
    const second = stream.next();
    await readsAsked(3);
    reads[2]!.resolve(1n);
    const rest = [await second, await stream.next(), await stream.next(), await stream.next()];
    expect(rest.map((r) => r.value)).toEqual([2, 3, 4, 5]);
    expect(reads).toHaveLength(3);
    await stream.return?.();
  });

  it("reads at most maxReadAhead messages ahead of a client that does not take them", async () => {
    const { reads, readsAsked, src, stream, first } = await openHeld();
    src.push(...Array.from({ length: maxReadAhead * 4 }, (_, i) => i));
    await readsAsked(2);
    for (let i = 0; i < 20; i++) await tick();
    // The first batch was taken when its read started; the rest waits within the bound.
    expect(src.state.pulled).toBeLessThanOrEqual(maxReadAhead + 1 + maxReadAhead);
    expect(src.state.pulled).toBeLessThan(maxReadAhead * 4);
    reads[1]!.resolve(1n);
    expect((await first).value).toBe(0);
    await stream.return?.();
  });

  it("delivers what it read before the source failed, then the failure", async () => {
    const epoch: AccessEpoch = { read: async () => 1n, subscribe: () => () => {} };
    async function* failing() {
      yield 1;
      yield 2;
      throw new ConnectError("store unavailable", Code.Unavailable);
    }
    const got: number[] = [];
    const run = async () => {
      for await (const m of guardStream(failing(), epoch, { recheck: async () => undefined })) {
        got.push(m);
      }
    };
    await expect(run()).rejects.toMatchObject({ code: Code.Unavailable });
    expect(got).toEqual([1, 2]);
  });

  it("keeps no memory per message on a long-lived stream", async () => {
    const epoch: AccessEpoch = { read: async () => 1n, subscribe: () => () => {} };
    const count = 200_000;
    async function* busy() {
      for (let i = 0; ; i++) {
        yield i;
        if (i % 1_000 === 0) await tick();
      }
    }
    const it = guardStream(busy(), epoch, { recheck: async () => undefined })[
      Symbol.asyncIterator
    ]();
    for (let i = 0; i < 1_000; i++) await it.next();
    const before = heapAfterGc();
    for (let i = 0; i < count; i++) await it.next();
    const grown = heapAfterGc() - before;
    await it.return?.();
    // The stream is still open: anything kept per message would show here (a race against a
    // promise kept for the stream's life kept about 300 bytes a race, 120 MB in all).
    expect(grown).toBeLessThan(10 * 2 ** 20);
  });

  it("admits messages without a read while the epoch is heard in step", async () => {
    let reads = 0;
    let heard: bigint | undefined = 1n;
    const epoch: AccessEpoch = {
      read: async () => {
        reads++;
        return 1n;
      },
      known: () => heard,
      subscribe: () => () => {},
    };
    const src = channel<number>();
    const it = guardStream(src.source, epoch, { recheck: async () => undefined })[
      Symbol.asyncIterator
    ]();
    const first = it.next();
    src.push(0);
    expect((await first).value).toBe(0);
    const readsAtOpen = reads;
    for (let i = 1; i <= 100; i++) {
      const next = it.next();
      src.push(i);
      expect((await next).value).toBe(i);
    }
    expect(reads).toBe(readsAtOpen);
    // Not heard any more (contact lost): the next message waits for a read again.
    heard = undefined;
    const next = it.next();
    src.push(101);
    expect((await next).value).toBe(101);
    expect(reads).toBe(readsAtOpen + 1);
    await it.return?.();
  });
});
