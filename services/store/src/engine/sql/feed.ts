import { createBackoff, sleep } from "@guardian/kit";
import pg from "pg";
import { createFanout, type Fanout } from "../fanout.js";
import type { RevisionRecord } from "../types.js";
import { StoreError } from "../errors.js";
import { createRevisionWaiters } from "@guardian/kit";
import { notifyChannel, scanLog } from "./log.js";
import { readState } from "./state.js";

/** The change feed of a SQL engine: one reader of the change log per store instance. */
export interface SqlFeed {
  fanout: Fanout;
  /** Reads new change-log records now (after a notification, or to catch up). */
  nudge(): void;
  /**
   * Takes the records a local transaction just committed (consecutive revisions, in order).
   * They are published without a read of the log when they follow the last record delivered
   * (after the read under way, if one is); otherwise the log is read, so that nothing is
   * delivered out of order or twice.
   */
  committed(records: RevisionRecord[]): void;
  /** Resolves once the feed has delivered `revision`, or rejects after `timeoutMs`. */
  waitFor(revision: bigint, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the change feed: it tails store_log in revision order and fans records out.
 * Records this process commits are handed to it directly ({@link SqlFeed.committed}), with
 * no read; it reads the log on in-process nudges, on LISTEN notifications when `listenUrl`
 * is given (a dedicated connection that reconnects with backoff), and on a slow poll as a
 * safety net.
 */
export async function startSqlFeed(opts: {
  pool: pg.Pool;
  listenUrl?: string;
  pollIntervalMs?: number;
  bufferSize?: number;
  onError?: (err: unknown) => void;
}): Promise<SqlFeed> {
  const state = await readState(opts.pool);
  const fanout = createFanout({ startRevision: state.revision, bufferSize: opts.bufferSize });
  const waiters = createRevisionWaiters(() => fanout.revision);
  let pumping = false;
  let pumped: Promise<void> = Promise.resolve();
  let again = false;
  let closed = false;

  // Commits of this process that arrived while the log was being read, in commit order.
  let held: RevisionRecord[][] = [];

  // Publishes one transaction's records unless they were already read from the log; false
  // when a revision before them has not been delivered (another instance wrote it).
  function deliver(records: RevisionRecord[]): boolean {
    const fresh = records.filter((r) => r.revision > fanout.revision);
    const first = fresh[0];
    if (!first) return true;
    if (first.revision !== fanout.revision + 1n) return false;
    fanout.publish(fresh, fresh[fresh.length - 1]!.revision);
    return true;
  }

  async function pump(): Promise<void> {
    try {
      do {
        again = false;
        for await (const records of scanLog(opts.pool, fanout.revision)) {
          fanout.publish(records, records[records.length - 1]!.revision);
        }
        const commits = held;
        held = [];
        if (!commits.every(deliver)) again = true;
        waiters.wake();
      } while (again && !closed);
    } finally {
      // In the same turn as the last look at `held`: a later commit is delivered directly.
      pumping = false;
    }
  }

  function nudge() {
    if (closed) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    pumped = pump().catch((err: unknown) => opts.onError?.(err));
  }

  const poll = setInterval(nudge, opts.pollIntervalMs ?? 1_000);
  poll.unref();
  const listener = opts.listenUrl ? startListener(opts.listenUrl, nudge, opts.onError) : undefined;

  function committed(records: RevisionRecord[]) {
    if (closed || records.length === 0) return;
    // A read of the log is under way: its result may or may not hold these records.
    if (pumping) return void held.push(records);
    if (!deliver(records)) return nudge();
    waiters.wake();
  }

  return {
    fanout,
    nudge,
    committed,
    async waitFor(revision, timeoutMs, signal) {
      const reached = waiters.wait(revision, timeoutMs, signal);
      nudge();
      if (await reached) return;
      if (signal?.aborted) {
        const reason: unknown = signal.reason;
        throw reason instanceof Error ? reason : new Error(String(reason));
      }
      throw new StoreError(
        "min_revision_timeout",
        `revision ${revision} was not reached within ${timeoutMs} ms (current ${fanout.revision})`,
      );
    },
    async close() {
      closed = true;
      clearInterval(poll);
      await listener?.close();
      await pumped;
      fanout.failAll(new StoreError("unavailable", "the store is shutting down"));
    },
  };
}

function startListener(url: string, onNotify: () => void, onError?: (err: unknown) => void) {
  let client: pg.Client | undefined;
  const stopping = new AbortController();
  const backoff = createBackoff({ initialMs: 100, maxMs: 5_000 });

  async function connect() {
    if (stopping.signal.aborted) return;
    const c = new pg.Client({ connectionString: url, application_name: "guardian-store-listen" });
    let lost = false;
    const onLost = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (err) onError?.(err);
      if (client === c) client = undefined;
      void c.end().catch(() => {});
      if (stopping.signal.aborted) return;
      void sleep(backoff.next(), stopping.signal).then(connect);
    };
    c.on("error", onLost);
    c.on("end", () => onLost());
    c.on("notification", () => onNotify());
    try {
      await c.connect();
      await c.query(`LISTEN ${notifyChannel}`);
      if (stopping.signal.aborted) return void c.end().catch(() => {});
      client = c;
      backoff.reset();
      // Anything committed while disconnected is picked up by reading the log now.
      onNotify();
    } catch (err) {
      onLost(err);
    }
  }

  void connect();
  return {
    async close() {
      stopping.abort();
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
