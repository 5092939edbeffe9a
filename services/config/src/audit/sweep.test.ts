import { ChangeType, WriteOp } from "@guardian/api";
import { waitFor } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { startAuditSweep, sweepPendingAudit } from "./sweep.js";
import { useHarness } from "../testing/harness.js";
import { projectName } from "../testing/fixtures.js";

const h = useHarness();

/** Inserts the pending event a process leaves when it dies between a mutation and its outcome. */
async function pending(e: {
  action: string;
  project: string;
  target: string;
  requestId: string;
  ageSeconds: number;
}): Promise<string> {
  const res = await h.pool.query<{ id: string }>(
    `INSERT INTO audit_log (at, actor, actor_kind, action, target, project, request_id, result)
     VALUES (now() - make_interval(secs => $1), 'ada', 'user', $2, $3, $4, $5, 'pending')
     RETURNING id::text`,
    [e.ageSeconds, e.action, e.target, e.project, e.requestId],
  );
  return res.rows[0]!.id;
}

async function event(id: string) {
  const res = await h.pool.query<{
    result: string;
    error_code: string;
    detail: Record<string, string>;
  }>("SELECT result, error_code, detail FROM audit_log WHERE id = $1", [id]);
  return res.rows[0]!;
}

describe("the audit sweep", () => {
  it("decides stale pending events from the store, and marks the undecidable unknown", async () => {
    const project = projectName();
    const update = "guardian.config.v1.ConfigService/UpdateConfig";
    const written = await h.store.write({
      project,
      key: "eu/limits",
      op: WriteOp.PUT,
      value: new TextEncoder().encode("1"),
      meta: { author: "ada", requestId: "req-landed", changeType: ChangeType.UNSPECIFIED },
    });
    const target = `projects/${project}/configs/eu/limits`;
    const landed = await pending({
      action: update,
      project,
      target,
      requestId: "req-landed",
      ageSeconds: 600,
    });
    const lost = await pending({
      action: update,
      project,
      target,
      requestId: "req-lost",
      ageSeconds: 600,
    });
    const schema = await pending({
      action: "guardian.schema.v1.SchemaService/AddSchemaVersion",
      project,
      target: `projects/${project}/schemas/limits`,
      requestId: "req-schema",
      ageSeconds: 600,
    });
    const fresh = await pending({
      action: update,
      project,
      target,
      requestId: "req-running",
      ageSeconds: 0,
    });

    const res = await sweepPendingAudit({ pool: h.pool, store: h.store, pendingTimeoutMs: 60_000 });
    expect(res).toEqual({ written: 1, notWritten: 1, unknown: 1 });
    expect(await event(landed)).toMatchObject({
      result: "ok",
      detail: { revision: written.revision.toString(), settled_by: "audit_sweep" },
    });
    expect(await event(lost)).toMatchObject({
      result: "failed",
      error_code: "unavailable",
      detail: { outcome: "not_written" },
    });
    expect(await event(schema)).toMatchObject({
      result: "failed",
      error_code: "unknown",
      detail: { outcome: "unknown" },
    });
    // A call may still be running: a recent pending event is left alone.
    expect((await event(fresh)).result).toBe("pending");
    // Nothing is decided twice.
    expect(
      await sweepPendingAudit({ pool: h.pool, store: h.store, pendingTimeoutMs: 60_000 }),
    ).toEqual({ written: 0, notWritten: 0, unknown: 0 });
  });

  it("runs a moment after it is started, not during the start, and then every interval", async () => {
    const project = projectName();
    const stale = () =>
      pending({
        action: "guardian.schema.v1.SchemaService/AddSchemaVersion",
        project,
        target: `projects/${project}/schemas/limits`,
        requestId: "req-unknown",
        ageSeconds: 600,
      });
    const first = await stale();
    const stop = new AbortController();
    const started = Date.now();
    startAuditSweep({
      pool: h.pool,
      store: h.store,
      pendingTimeoutMs: 60_000,
      intervalMs: 400,
      signal: stop.signal,
    });
    try {
      // Whatever the start does next is not queued behind a sweep.
      expect((await event(first)).result).toBe("pending");
      await waitFor(async () => ((await event(first)).result === "failed" ? true : undefined), {
        what: "the first sweep",
        timeoutMs: 10_000,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
      const second = await stale();
      await waitFor(async () => ((await event(second)).result === "failed" ? true : undefined), {
        what: "the next sweep",
        timeoutMs: 10_000,
      });
    } finally {
      stop.abort();
    }
  });
});
