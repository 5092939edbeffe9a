import { createLogger } from "@guardian/kit";
import { waitFor } from "@guardian/testkit";
import type pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { withTransaction } from "../../transaction.js";
import { createJobQueue } from "../queue.js";
import type { Job, JobQueue, TaskHandler, Worker } from "../types.js";
import { startWorker, type WorkerOptions } from "../worker.js";
import { describeRecovery } from "./recovery.js";

/** The database a run of the contract suite works on. */
export interface QueueBed {
  /** "postgres" (several connections, NOTIFY) or "embedded" (PGlite, one connection). */
  profile: "postgres" | "embedded";
  pool(): pg.Pool;
  /** Where a worker LISTENs (postgres only). */
  listenUrl?(): string;
}

const logger = createLogger({ level: "silent" });
const wait = <T>(what: string, attempt: () => Promise<T | undefined>) =>
  waitFor(attempt, { what, timeoutMs: 60_000, intervalMs: 20 });

/**
 * The job queue's contract, run against one database profile: every implementation and
 * profile must pass it unchanged.
 */
export function describeQueueContract(bed: QueueBed): void {
  const embedded = bed.profile === "embedded";
  const workers: Worker[] = [];
  let queue: JobQueue;
  const setup = () => {
    queue = createJobQueue({ pool: bed.pool(), notify: embedded ? "local" : "postgres" });
    return queue;
  };
  const start = (tasks: Record<string, TaskHandler>, more: Partial<WorkerOptions> = {}) => {
    const worker = startWorker({
      pool: bed.pool(),
      queue,
      tasks,
      logger,
      concurrency: embedded ? 1 : 4,
      pollIntervalMs: 50,
      ...more,
    });
    workers.push(worker);
    return worker;
  };
  const gone = (id: bigint) => async () => ((await queue.get(id)) === undefined ? true : undefined);

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await bed.pool().query("DELETE FROM jobs");
  });

  describe(`job queue contract (${bed.profile})`, () => {
    describeRecovery(bed, () => ({ queue: setup(), start, gone }));
    it("runs an enqueued job once with its payload and deletes it when the handler resolves", async () => {
      setup();
      const seen: Job[] = [];
      start({ greet: async (job) => void seen.push(job) });
      const { id, created } = await queue.enqueue({ task: "greet", payload: { name: "ada" } });
      expect(created).toBe(true);
      await wait("the job to complete", gone(id));
      expect(seen.map((j) => [j.id, j.payload, j.attempts, j.state])).toEqual([
        [id, { name: "ada" }, 1, "running"],
      ]);
    });

    it("never runs one job twice with several workers claiming hundreds of jobs at once", async () => {
      setup();
      const runs = new Map<bigint, number>();
      const count: TaskHandler = async (job) => void runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
      const total = embedded ? 120 : 400;
      const ids: bigint[] = [];
      for (let i = 0; i < total; i++)
        ids.push((await queue.enqueue({ task: "count", payload: { i } })).id);
      for (let w = 0; w < (embedded ? 3 : 5); w++) start({ count }, { workerId: `w${w}` });
      await wait("every job to complete", async () =>
        (await queue.counts()).length === 0 ? true : undefined,
      );
      expect(runs.size).toBe(total);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      expect(new Set(runs.keys())).toEqual(new Set(ids));
    });

    it("retries a failed job after a backoff within the formula's bounds, then makes it a dead letter", async () => {
      setup();
      const baseMs = 60_000;
      start(
        { flaky: async () => Promise.reject(new Error("upstream said no")) },
        { backoff: { baseMs } },
      );
      const { id } = await queue.enqueue({ task: "flaky", maxAttempts: 3 });
      for (let attempt = 1; attempt <= 3; attempt++) {
        const failed = await wait(`attempt ${attempt} to fail`, async () => {
          const job = await queue.get(id);
          return job?.attempts === attempt && job.state !== "running" ? job : undefined;
        });
        expect(failed.lastError).toContain("upstream said no");
        const ceiling = Math.min(baseMs * 2 ** (attempt - 1), 3_600_000);
        const delay = +failed.runAt - +failed.updatedAt;
        if (attempt < 3) {
          expect(failed.state).toBe("waiting");
          expect(delay).toBeGreaterThanOrEqual(ceiling / 2 - 1);
          expect(delay).toBeLessThanOrEqual(ceiling + 1);
          // Make the next attempt due now rather than wait out the backoff.
          await bed.pool().query("UPDATE jobs SET run_at = now() WHERE id = $1", [id]);
        } else expect(failed.state).toBe("dead");
      }
      expect((await queue.listDead({ limit: 10 })).map((j) => j.id)).toEqual([id]);
      expect(await queue.counts()).toEqual([{ queue: "default", waiting: 0, running: 0, dead: 1 }]);
    });

    it("fails a job whose task has no handler, naming the task in last_error", async () => {
      setup();
      start({});
      const { id } = await queue.enqueue({ task: "nobody-knows", maxAttempts: 1 });
      const dead = await wait("the job to die", async () => {
        const job = await queue.get(id);
        return job?.state === "dead" ? job : undefined;
      });
      expect(dead.lastError).toContain('no handler for task "nobody-knows"');
    });

    it("lists dead letters by queue with paging, retries one (it then runs) and discards another", async () => {
      setup();
      let healthy = false;
      const ran: bigint[] = [];
      start({
        send: async (job) => {
          if (!healthy) throw new Error("down");
          ran.push(job.id);
        },
      });
      const a = await queue.enqueue({ task: "send", queue: "mail", maxAttempts: 1 });
      const b = await queue.enqueue({ task: "send", queue: "mail", maxAttempts: 1 });
      const c = await queue.enqueue({ task: "send", queue: "hooks", maxAttempts: 1 });
      await wait("three dead letters", async () =>
        (await queue.listDead({ limit: 10 })).length === 3 ? true : undefined,
      );
      const firstPage = await queue.listDead({ queue: "mail", limit: 1 });
      expect(firstPage.map((j) => j.id)).toEqual([a.id]);
      const next = await queue.listDead({ queue: "mail", after: a.id, limit: 1 });
      expect(next.map((j) => j.id)).toEqual([b.id]);
      expect((await queue.listDead({ queue: "hooks", limit: 5 })).map((j) => j.id)).toEqual([c.id]);

      healthy = true;
      expect(await queue.retry(a.id)).toBe(true);
      await wait("the retried job to run", gone(a.id));
      expect(ran).toEqual([a.id]);
      expect(await queue.retry(a.id)).toBe(false);
      expect(await queue.discard(b.id)).toBe(true);
      expect(await queue.get(b.id)).toBeUndefined();
      expect(await queue.discard(b.id)).toBe(false);
      expect((await queue.get(c.id))?.state).toBe("dead");
    });

    it("refuses a job spec the table cannot hold, naming every bad field, and adds nothing", async () => {
      setup();
      await expect(
        queue.enqueue({ task: "", queue: "", maxAttempts: 0, priority: 2 ** 31, jobKey: "" }),
      ).rejects.toThrow("invalid job spec: task, queue, jobKey, maxAttempts, priority");
      expect(await queue.counts()).toEqual([]);
    });

    it("adds nothing for a job key that a waiting job holds, and reports the existing job", async () => {
      setup();
      const runAt = new Date(Date.now() + 3_600_000);
      const first = await queue.enqueue({ task: "t", jobKey: "k1", runAt });
      const again = await queue.enqueue({ task: "t", jobKey: "k1", payload: { other: true } });
      expect(again).toEqual({ id: first.id, created: false });
      expect((await queue.get(first.id))?.payload).toEqual({});
      expect(await queue.counts()).toEqual([{ queue: "default", waiting: 1, running: 0, dead: 0 }]);
    });

    it("runs due jobs highest priority first, then oldest run_at first", async () => {
      setup();
      const order: string[] = [];
      const past = (s: number) => new Date(Date.now() - s * 1000);
      await queue.enqueue({ task: "t", payload: "low-old", priority: 0, runAt: past(30) });
      await queue.enqueue({ task: "t", payload: "high-new", priority: 5, runAt: past(10) });
      await queue.enqueue({ task: "t", payload: "high-old", priority: 5, runAt: past(20) });
      const last = await queue.enqueue({
        task: "t",
        payload: "low-new",
        priority: 0,
        runAt: past(5),
      });
      start({ t: async (job) => void order.push(job.payload as string) }, { concurrency: 1 });
      await wait("every job to run", gone(last.id));
      expect(order).toEqual(["high-old", "high-new", "low-old", "low-new"]);
    });

    it("does not run a delayed job before its run_at, while it runs jobs that are due", async () => {
      setup();
      const ran: string[] = [];
      start({ t: async (job) => void ran.push((job.payload as { name: string }).name) });
      const later = await queue.enqueue({
        task: "t",
        payload: { name: "later" },
        runAt: new Date(Date.now() + 3_600_000),
      });
      const now = await queue.enqueue({ task: "t", payload: { name: "now" } });
      await wait("the due job to run", gone(now.id));
      expect(ran).toEqual(["now"]);
      expect(await queue.get(later.id)).toMatchObject({ state: "waiting", attempts: 0 });
    });

    it("enqueues in the caller's transaction: the job exists only if it commits", async () => {
      setup();
      const committed = await withTransaction(bed.pool(), (client) =>
        queue.enqueue({ task: "t" }, client),
      );
      expect((await queue.get(committed.id))?.task).toBe("t");
      let rolledBack: bigint | undefined;
      await expect(
        withTransaction(bed.pool(), async (client) => {
          rolledBack = (await queue.enqueue({ task: "t" }, client)).id;
          throw new Error("changed my mind");
        }),
      ).rejects.toThrow("changed my mind");
      expect(rolledBack).toBeDefined();
      expect(await queue.get(rolledBack!)).toBeUndefined();
    });
  });
}
