// One scheduler replica in a process of its own, for tests that kill it: started by
// spawnReplica with its spec as the only argument, stopped by SIGTERM.
import { createLogger } from "@guardian/kit";
import pg from "pg";
import { startScheduler } from "../scheduler/scheduler.js";
import { loggingJob, openBackend, type ReplicaSpec } from "./scheduler.js";

const spec = JSON.parse(process.argv[2]!) as ReplicaSpec;
const pool = new pg.Pool({ connectionString: spec.databaseUrl, max: 4 });
const backend = openBackend(spec.place, pool);
const scheduler = startScheduler({
  backend,
  pool,
  group: spec.group,
  jobs: spec.jobs.map((j) => loggingJob(pool, { ...j, replica: spec.replica })),
  logger: createLogger({ level: "info" }),
  instanceId: spec.replica,
  electionTtlMs: spec.electionTtlMs,
  tickMs: spec.tickMs,
});
process.once("SIGTERM", () => {
  void (async () => {
    await scheduler.stop();
    await backend.close();
    await pool.end();
  })();
});
