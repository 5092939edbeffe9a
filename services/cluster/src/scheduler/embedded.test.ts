import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEmbeddedDatabase, type EmbeddedDatabase } from "@guardian/db";
import { createLogger } from "@guardian/kit";
import { waitFor } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqlClusterBackend } from "../backend/sql/backend.js";
import { loggingJob, periodViolations } from "../testing/scheduler.js";
import { createRunLog, recordOf, runsOf } from "../testing/sql/scheduler-runs.js";
import { startScheduler, type Scheduler } from "./scheduler.js";

const logger = createLogger({ level: "silent" });
const dataDir = join(tmpdir(), `guardian-scheduler-pglite-${process.pid}-${Date.now()}`);
let embedded: EmbeddedDatabase | undefined;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  embedded = await openEmbeddedDatabase({ dataDir });
  await createRunLog(embedded.pool);
}, 60_000);

afterAll(async () => {
  for (const r of opened.reverse()) await r.close();
  await embedded?.close();
  await rm(dataDir, { recursive: true, force: true });
});

// One shared connection, as in `guardian dev`: the election, the records and the jobs' own
// queries all go through it, and nothing may hold it while waiting.
describe("the scheduler on embedded PGlite", () => {
  it("runs a job once per period on one of two replicas, and hands it over when that one stops", async () => {
    const pool = embedded!.pool;
    const job = { name: "embedded-job", intervalMs: 300 };
    const start = (name: string): Scheduler => {
      const backend = createSqlClusterBackend({ pool, pollIntervalMs: 50, sweepIntervalMs: 100 });
      opened.push(backend);
      const scheduler = startScheduler({
        backend,
        pool,
        group: "embedded",
        jobs: [loggingJob(pool, { ...job, replica: name })],
        logger,
        instanceId: name,
        electionTtlMs: 2_000,
        tickMs: 50,
      });
      opened.push({ close: () => scheduler.stop() });
      return scheduler;
    };
    const replicas = { a: start("a"), b: start("b") };
    const finished = async (n: number, replica?: string) =>
      waitFor(
        async () => {
          const runs = (await runsOf(pool, job.name)).filter(
            (r) => r.finishedAt && (!replica || r.replica === replica),
          );
          return runs.length >= n ? true : undefined;
        },
        { what: `${n} runs`, timeoutMs: 30_000, intervalMs: 20 },
      );
    await finished(4);
    const leader = replicas.a.leading ? "a" : "b";
    const other = leader === "a" ? "b" : "a";
    expect(replicas[other].leading).toBe(false);
    await replicas[leader].stop();
    await finished(2, other);
    await replicas[other].stop();

    const runs = await runsOf(pool, job.name);
    expect(periodViolations(runs, job.intervalMs, job.intervalMs + 50 + 3_000)).toEqual([]);
    expect(runs[0]!.replica).toBe(leader);
    expect(runs[runs.length - 1]!.replica).toBe(other);
    const record = (await recordOf(pool, job.name))!;
    expect(record.last_instance).toBe(other);
    expect(Number(record.runs)).toBe(runs.length);
  });
});
