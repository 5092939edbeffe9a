import { createLogger } from "@guardian/kit";
import { useTestDatabase, waitFor } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { createJobQueue } from "./queue.js";
import { describeQueueContract } from "./testing/contract.js";
import { startWorker } from "./worker.js";

const db = useTestDatabase({ poolSize: 12 });

describeQueueContract({ profile: "postgres", pool: db.pool, listenUrl: db.url });

describe("job queue on PostgreSQL: the LISTEN connection", () => {
  const listenerPid = async () => {
    const rows = await db.pool().query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database()
         AND application_name = 'guardian-worker' AND query LIKE 'LISTEN%'`,
    );
    return rows.rows[0]?.pid;
  };

  it("re-opens a lost LISTEN connection and hears new jobs again, long before the poll", async () => {
    const ran: bigint[] = [];
    const worker = startWorker({
      pool: db.pool(),
      // Another process's queue enqueues below: only NOTIFY reaches the worker.
      queue: createJobQueue({ pool: db.pool(), notify: "postgres" }),
      tasks: { t: async (job) => void ran.push(job.id) },
      logger: createLogger({ level: "silent" }),
      listenUrl: db.url(),
      pollIntervalMs: 600_000,
    });
    try {
      const wait = <T>(what: string, attempt: () => Promise<T | undefined>) =>
        waitFor(attempt, { what, timeoutMs: 60_000, intervalMs: 20 });
      const first = await wait("the worker to listen", listenerPid);
      await db.pool().query("SELECT pg_terminate_backend($1)", [first]);
      await wait("the worker to listen again", async () => {
        const pid = await listenerPid();
        return pid !== undefined && pid !== first ? pid : undefined;
      });
      const producer = createJobQueue({ pool: db.pool(), notify: "postgres" });
      const { id } = await producer.enqueue({ task: "t" });
      await wait("the job to run", async () => (ran.includes(id) ? true : undefined));
      expect(ran).toEqual([id]);
    } finally {
      await worker.stop();
    }
  });
});
