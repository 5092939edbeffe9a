import { migrate } from "@guardian/db";
import {
  createTemplateDatabase,
  ensureSystemPackages,
  startEtcdCluster,
  startPostgres,
  startRedis,
  stopAllProcesses,
} from "@guardian/testkit";
import type { EtcdCluster, PostgresServer, RedisServer } from "@guardian/testkit";
import type { TestProject } from "vitest/node";

/** Name of the migrated database every test file clones (see `useTestDatabase`). */
const templateName = "guardian_template";

let postgres: PostgresServer | undefined;
let redis: RedisServer | undefined;
let etcd: EtcdCluster | undefined;

/**
 * Starts the servers the integration tests share, once per `vitest run`: PostgreSQL with a
 * migrated template database, Redis, and a 3-member etcd cluster, all on random loopback
 * ports. Missing system packages are installed first (as root on Debian).
 */
export async function setup(project: TestProject): Promise<void> {
  const started = Date.now();
  await ensureSystemPackages();
  const [pgStart, redisStart, etcdStart] = await Promise.allSettled([
    startPostgres().then(async (server) => {
      postgres = server;
      await createTemplateDatabase(server.url, templateName, async (databaseUrl) => {
        await migrate({ databaseUrl });
      });
      return server;
    }),
    startRedis().then((server) => (redis = server)),
    startEtcdCluster({ size: 3 }).then((cluster) => (etcd = cluster)),
  ]);
  if (
    pgStart.status === "rejected" ||
    redisStart.status === "rejected" ||
    etcdStart.status === "rejected"
  ) {
    await teardown();
    const errors = [pgStart, redisStart, etcdStart].flatMap((r) =>
      r.status === "rejected" ? [r.reason] : [],
    );
    throw errors.length === 1 ? errors[0] : new AggregateError(errors, "test servers failed");
  }
  project.provide("postgres", { adminUrl: pgStart.value.url, template: templateName });
  project.provide("redis", { url: redisStart.value.url });
  project.provide("etcd", { endpoints: etcdStart.value.endpoints });
  if (process.env["GUARDIAN_TESTKIT_VERBOSE"] === "1") {
    console.log(`testkit: servers ready in ${Date.now() - started} ms`);
  }
}

/** Stops every server {@link setup} started and deletes their data. */
export async function teardown(): Promise<void> {
  const servers = [postgres, redis, etcd];
  postgres = undefined;
  redis = undefined;
  etcd = undefined;
  await Promise.allSettled(servers.map((server) => server?.stop()));
  // Anything a failed start left behind (a half-started server) goes too.
  await stopAllProcesses();
}
