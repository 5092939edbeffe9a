import { createLogger } from "@guardian/kit";
import { useTestDatabase, waitFor } from "@guardian/testkit";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createJobQueue } from "./queue.js";
import { startWorker } from "./worker.js";

const db = useTestDatabase();

describe("worker metrics", () => {
  it("counts claims, completions, failures and dead letters, and reports queue depth on scrape", async () => {
    const registry = new Registry();
    const queue = createJobQueue({ pool: db.pool(), notify: "postgres" });
    const worker = startWorker({
      pool: db.pool(),
      queue,
      tasks: { ok: async () => {}, boom: async () => Promise.reject(new Error("boom")) },
      logger: createLogger({ level: "silent" }),
      pollIntervalMs: 50,
      registry,
    });
    try {
      await queue.enqueue({ task: "ok", queue: "mail" });
      const boom = await queue.enqueue({ task: "boom", queue: "mail", maxAttempts: 1 });
      await queue.enqueue({ task: "ok", queue: "later", runAt: new Date(Date.now() + 3_600_000) });
      await waitFor(async () => ((await queue.get(boom.id))?.state === "dead" ? true : undefined), {
        what: "the failing job to die",
        timeoutMs: 30_000,
      });
      await waitFor(
        async () => {
          const text = await registry.metrics();
          return text.includes('guardian_jobs_completed_total{queue="mail",task="ok"} 1')
            ? text
            : undefined;
        },
        { what: "the completion to be counted", timeoutMs: 30_000 },
      );
      const text = await registry.metrics();
      for (const line of [
        'guardian_jobs_claimed_total{queue="mail",task="ok"} 1',
        'guardian_jobs_claimed_total{queue="mail",task="boom"} 1',
        'guardian_jobs_failed_total{queue="mail",task="boom"} 1',
        'guardian_jobs_dead_lettered_total{queue="mail",task="boom"} 1',
        'guardian_job_duration_seconds_count{queue="mail",task="ok",outcome="completed"} 1',
        'guardian_job_duration_seconds_count{queue="mail",task="boom",outcome="failed"} 1',
        'guardian_jobs{queue="mail",state="dead"} 1',
        'guardian_jobs{queue="mail",state="waiting"} 0',
        'guardian_jobs{queue="later",state="waiting"} 1',
      ]) {
        expect(text).toContain(line);
      }
    } finally {
      await worker.stop();
    }
  });
});
