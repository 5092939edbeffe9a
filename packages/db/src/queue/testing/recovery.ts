import { waitFor } from "@guardian/testkit";
import { expect, it } from "vitest";
import { createJobQueue } from "../queue.js";
import type { Job, JobQueue, TaskHandler, Worker } from "../types.js";
import type { WorkerOptions } from "../worker.js";
import type { QueueBed } from "./contract.js";

/** What {@link describeRecovery} borrows from the contract suite. */
export interface RecoveryKit {
  queue: JobQueue;
  start(tasks: Record<string, TaskHandler>, more?: Partial<WorkerOptions>): Worker;
  gone(id: bigint): () => Promise<true | undefined>;
}

const wait = <T>(what: string, attempt: () => Promise<T | undefined>) =>
  waitFor(attempt, { what, timeoutMs: 60_000, intervalMs: 20 });

/** Locks a job as a worker that then died would have: claimed an hour ago. */
async function claimAsCrashedWorker(bed: QueueBed, id: bigint): Promise<void> {
  await bed.pool().query(
    `UPDATE jobs SET locked_by = 'crashed', locked_at = now() - interval '1 hour',
         attempts = attempts + 1 WHERE id = $1`,
    [id],
  );
}

/**
 * The contract's cases for crashed workers, long jobs, stopping and wake-ups (part of
 * `describeQueueContract`).
 */
export function describeRecovery(bed: QueueBed, kit: () => RecoveryKit): void {
  const embedded = bed.profile === "embedded";

  it("runs again a job whose worker crashed holding it, counting the lost attempt", async () => {
    const { queue, start, gone } = kit();
    const { id } = await queue.enqueue({ task: "t" });
    const last = await queue.enqueue({ task: "t", maxAttempts: 1 });
    await claimAsCrashedWorker(bed, id);
    await claimAsCrashedWorker(bed, last.id);
    const seen: Job[] = [];
    start({ t: async (job) => void seen.push(job) });
    await wait("the recovered job to complete", gone(id));
    expect(seen.map((j) => [j.id, j.attempts])).toEqual([[id, 2]]);
    const dead = await queue.get(last.id);
    expect(dead).toMatchObject({ state: "dead", attempts: 1, lockedBy: null });
    expect(dead?.lastError).toContain("crashed");
  });

  it("renews the lock of a long-running job so that no worker takes it as stale", async () => {
    const { queue, start, gone } = kit();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const slow: TaskHandler = async () => {
      runs++;
      await released;
    };
    const lockTimeoutMs = 1_500;
    start({ slow }, { lockTimeoutMs, workerId: "a" });
    if (!embedded) start({ slow }, { lockTimeoutMs, workerId: "b" });
    const { id } = await queue.enqueue({ task: "slow" });
    const first = await wait("the job to start", async () => {
      const job = await queue.get(id);
      return job?.lockedAt ? job : undefined;
    });
    // Outlive the lock timeout several times over, then check it was never reset.
    await wait("the lock to be renewed well past its timeout", async () => {
      const job = await queue.get(id);
      return job?.lockedAt && +job.lockedAt - +first.lockedAt! > 3 * lockTimeoutMs
        ? true
        : undefined;
    });
    release();
    await wait("the job to complete", gone(id));
    expect(runs).toBe(1);
  });

  it("at stop, lets a job finish within the grace time and releases one that does not, uncounted", async () => {
    const { queue, start, gone } = kit();
    let finish!: () => void;
    const finishing = new Promise<void>((resolve) => (finish = resolve));
    let aborted = false;
    const worker = start(
      {
        quick: async () => finishing,
        stuck: async (_job, { signal }) =>
          new Promise<void>((_resolve, reject) =>
            signal.addEventListener("abort", () => {
              aborted = true;
              reject(new Error("aborted"));
            }),
          ),
      },
      { graceMs: 500, concurrency: 2 },
    );
    const quick = await queue.enqueue({ task: "quick" });
    const stuck = await queue.enqueue({ task: "stuck" });
    await wait("both jobs to start", async () => {
      const [a, b] = await Promise.all([queue.get(quick.id), queue.get(stuck.id)]);
      return a?.state === "running" && b?.state === "running" ? true : undefined;
    });
    const stopping = worker.stop();
    finish();
    await stopping;
    await wait("the quick job to be complete", gone(quick.id));
    expect(aborted).toBe(true);
    expect(await queue.get(stuck.id)).toMatchObject({
      state: "waiting",
      attempts: 0,
      lockedBy: null,
    });
  });

  it("wakes an idle worker for a new job long before its poll interval", async () => {
    const { queue, start, gone } = kit();
    const ran: bigint[] = [];
    const listenUrl = bed.listenUrl?.();
    start({ t: async (job) => void ran.push(job.id) }, { pollIntervalMs: 600_000, listenUrl });
    let from = queue;
    if (listenUrl !== undefined) {
      await wait("the worker to listen", async () => {
        const rows = await bed
          .pool()
          .query(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'guardian-worker' AND query LIKE 'LISTEN%'",
          );
        return rows.rowCount === 1 ? true : undefined;
      });
      // Another process's queue: only NOTIFY can reach this worker.
      from = createJobQueue({ pool: bed.pool(), notify: "postgres" });
    }
    const { id } = await from.enqueue({ task: "t" });
    await wait("the job to run", gone(id));
    expect(ran).toEqual([id]);
  });
}
