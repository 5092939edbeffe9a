import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, createClient, type CallOptions, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AuditResult, AuthService, BadRequestSchema, JobService, JobState } from "@guardian/api";
import { checkoutTemplatesDir, createJobQueue, openEmbeddedDatabase } from "@guardian/db";
import {
  bootstrapPassword,
  failureOf,
  startDev,
  stopGuardian,
  waitFor,
  type RunningGuardian,
} from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Every call below comes from one address in quick succession: rate limits out of the way.
const unlimited = ["user", "api_key", "remote_address"].reduce(
  (yaml, key) =>
    `${yaml}  - key: ${key}\n    rate_limit: { unit: second, requests_per_unit: 1000000 }\n`,
  "domain: guardian\ndescriptors:\n",
);

describe("JobService against guardian dev (the RBAC interceptor, the queue and its worker)", () => {
  let dataDir = "";
  let dev: RunningGuardian | undefined;
  let jobs: Client<typeof JobService>;
  let auth: Client<typeof AuthService>;
  let admin: CallOptions = {};
  let member: CallOptions = {};
  const ids: Record<"mailA" | "mailB" | "hook" | "later", bigint> = {
    mailA: 0n,
    mailB: 0n,
    hook: 0n,
    later: 0n,
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "guardian-jobs-"));
    await writeFile(join(dataDir, "limits.yaml"), unlimited);
    // Jobs no task of guardian dev's worker handles: the worker makes them dead letters.
    const db = await openEmbeddedDatabase({
      dataDir: join(dataDir, "pgdata"),
      templatesDir: checkoutTemplatesDir,
    });
    try {
      const queue = createJobQueue({ pool: db.pool, notify: "local" });
      const add = async (task: string, queueName: string, more = {}) =>
        (await queue.enqueue({ task, queue: queueName, maxAttempts: 1, ...more })).id;
      ids.mailA = await add("send-mail", "mail");
      ids.mailB = await add("send-mail", "mail");
      ids.hook = await add("deliver", "hooks");
      ids.later = await add("later", "default", { runAt: new Date(Date.now() + 3_600_000) });
    } finally {
      await db.close();
    }
    dev = await startDev(dataDir, { GUARDIAN_RATELIMIT_CONFIG: join(dataDir, "limits.yaml") });
    const transport = createConnectTransport({ baseUrl: dev.url, httpVersion: "1.1" });
    auth = createClient(AuthService, transport);
    jobs = createClient(JobService, transport);
    const login = await auth.login({
      username: "admin",
      password: bootstrapPassword(dev.output()),
    });
    admin = { headers: { authorization: `Bearer ${login.tokens?.accessToken ?? ""}` } };
    await auth.createUser({ username: "member", password: "member-password-1" }, admin);
    const memberLogin = await auth.login({ username: "member", password: "member-password-1" });
    member = { headers: { authorization: `Bearer ${memberLogin.tokens?.accessToken ?? ""}` } };
    await waitFor(
      async () => {
        const stats = await jobs.getQueueStats({}, admin);
        const dead = stats.queues.reduce((n, q) => n + q.dead, 0n);
        return dead === 3n ? true : undefined;
      },
      { what: "the worker to make three dead letters", timeoutMs: 60_000 },
    );
  }, 180_000);

  afterAll(async () => {
    if (dev) await stopGuardian(dev);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("lists dead letters oldest first, page by page and by queue, with their last error", async () => {
    const first = await jobs.listDeadJobs({ pageSize: 2 }, admin);
    expect(first.jobs.map((j) => j.id)).toEqual([ids.mailA, ids.mailB]);
    expect(first.jobs[0]).toMatchObject({ state: JobState.DEAD, attempts: 1, maxAttempts: 1 });
    expect(first.jobs[0]?.lastError).toContain('no handler for task "send-mail"');
    const second = await jobs.listDeadJobs({ pageSize: 2, pageToken: first.nextPageToken }, admin);
    expect(second.jobs.map((j) => j.id)).toEqual([ids.hook]);
    expect(second.nextPageToken).toBe("");
    const hooks = await jobs.listDeadJobs({ queue: "hooks" }, admin);
    expect(hooks.jobs.map((j) => [j.id, j.queue, j.task])).toEqual([
      [ids.hook, "hooks", "deliver"],
    ]);
  });

  it("refuses a page token sent with other request fields, naming page_token", async () => {
    const first = await jobs.listDeadJobs({ pageSize: 1 }, admin);
    const err = await failureOf(
      jobs.listDeadJobs({ pageSize: 1, queue: "mail", pageToken: first.nextPageToken }, admin),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("page_token");
  });

  it("counts jobs per queue and state", async () => {
    const stats = await jobs.getQueueStats({}, admin);
    expect(stats.queues.map((q) => [q.queue, q.waiting, q.running, q.dead])).toEqual([
      ["default", 1n, 0n, 0n],
      ["hooks", 0n, 0n, 1n],
      ["mail", 0n, 0n, 2n],
    ]);
  });

  it("gets a job in any state, and answers NotFound or InvalidArgument for bad ids", async () => {
    const later = await jobs.getJob({ id: ids.later }, admin);
    expect(later.job).toMatchObject({ id: ids.later, state: JobState.WAITING, attempts: 0 });
    expect((await failureOf(jobs.getJob({ id: 999_999_999n }, admin))).code).toBe(Code.NotFound);
    const bad = await failureOf(jobs.getJob({ id: 0n }, admin));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("id");
  });

  it("retries and discards only dead letters, and audits both", async () => {
    expect((await failureOf(jobs.retryJob({ id: ids.later }, admin))).code).toBe(Code.NotFound);
    expect((await failureOf(jobs.discardJob({ id: ids.later }, admin))).code).toBe(Code.NotFound);

    const retried = await jobs.retryJob({ id: ids.mailA }, admin);
    expect(retried.job?.id).toBe(ids.mailA);
    // Still no handler: the worker runs it again and it is dead once more, after one attempt.
    await waitFor(
      async () => {
        const { job } = await jobs.getJob({ id: ids.mailA }, admin);
        return job?.state === JobState.DEAD && job.attempts === 1 ? true : undefined;
      },
      { what: "the retried job to run and fail again", timeoutMs: 60_000 },
    );

    await jobs.discardJob({ id: ids.mailB }, admin);
    expect((await failureOf(jobs.getJob({ id: ids.mailB }, admin))).code).toBe(Code.NotFound);
    expect((await failureOf(jobs.discardJob({ id: ids.mailB }, admin))).code).toBe(Code.NotFound);

    const audit = await auth.listAuditEvents(
      { filter: { action: "guardian.config.v1.JobService/*", result: AuditResult.OK } },
      admin,
    );
    expect(audit.events.map((e) => [e.action, e.target, e.actor]).sort()).toEqual([
      ["guardian.config.v1.JobService/DiscardJob", `jobs/${ids.mailB}`, "admin"],
      ["guardian.config.v1.JobService/RetryJob", `jobs/${ids.mailA}`, "admin"],
    ]);
  });

  it("refuses every JobService RPC to a user without the global admin role", async () => {
    const calls = [
      () => jobs.listDeadJobs({}, member),
      () => jobs.getJob({ id: ids.hook }, member),
      () => jobs.retryJob({ id: ids.hook }, member),
      () => jobs.discardJob({ id: ids.hook }, member),
      () => jobs.getQueueStats({}, member),
    ];
    for (const call of calls) expect((await failureOf(call())).code).toBe(Code.PermissionDenied);
    expect((await jobs.getJob({ id: ids.hook }, admin)).job?.state).toBe(JobState.DEAD);
  });
});
