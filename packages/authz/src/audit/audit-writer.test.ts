import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { ConfigService } from "@guardian/api";
import type { Queryable } from "@guardian/db";
import { useTestDatabase } from "@guardian/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditEventInit } from "../sql/audit-log.js";
import { auditWriterFor } from "./audit-writer.js";
import { auditMutations } from "./mutations.js";

const db = useTestDatabase();

beforeAll(() => {
  // The database is dropped WITH (FORCE) after the file; closing connections may report it.
  db.pool().on("error", () => {});
});

/** The real pool, counting the statements sent to it and refusing those `refuse` matches. */
function counted(refuse?: RegExp): Queryable & { statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    query: ((query: string | { text: string }, values?: unknown[]) => {
      const text = typeof query === "string" ? query : query.text;
      statements.push(text);
      if (refuse?.test(text)) return Promise.reject(new Error("connection reset"));
      return db.pool().query(query, values);
    }) as Queryable["query"],
  };
}

const event = (target: string, over: Partial<AuditEventInit> = {}): AuditEventInit => ({
  actor: "ada",
  actorKind: "user",
  action: "test/Write",
  target,
  project: "batch",
  result: "pending",
  ...over,
});

async function rowsOf(prefix: string) {
  const res = await db
    .pool()
    .query<{ id: string; target: string; result: string }>(
      `SELECT id::text, target, result FROM audit_log WHERE target LIKE $1 ORDER BY id`,
      [`${prefix}%`],
    );
  return res.rows;
}

describe("auditWriterFor", () => {
  it("writes the events of concurrent calls in one statement and settles them in one", async () => {
    const on = counted();
    const writer = auditWriterFor(on);
    const targets = Array.from({ length: 20 }, (_, i) => `batch/one/${i}`);
    const ids = await Promise.all(targets.map((t) => writer.begin(event(t))));
    expect(on.statements).toHaveLength(1);
    // Each caller gets the id of its own event.
    const stored = await rowsOf("batch/one/");
    const byTarget = new Map(stored.map((r) => [r.target, [r.id, r.result]]));
    expect(targets.map((t) => byTarget.get(t))).toEqual(ids.map((id) => [id, "pending"]));
    const settled = await Promise.all(
      ids.map((id) => writer.settle({ id, result: "ok", errorCode: "", detail: { n: 1 } })),
    );
    expect(on.statements).toHaveLength(2);
    expect(settled.every(Boolean)).toBe(true);
    expect((await rowsOf("batch/one/")).map((r) => r.result)).toEqual(targets.map(() => "ok"));
    // A settled event is never settled again, for example after the sweep got there first.
    expect(await writer.settle({ id: ids[0]!, result: "failed", errorCode: "", detail: {} })).toBe(
      false,
    );
  });

  it("fails only the event that cannot be stored, not the others of its batch", async () => {
    const writer = auditWriterFor(counted());
    const outcomes = await Promise.allSettled([
      writer.begin(event("batch/bad/ok-1")),
      writer.begin(event("batch/bad/refused", { result: "bogus" as never })),
      writer.begin(event("batch/bad/ok-2")),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((await rowsOf("batch/bad/")).map((r) => r.target).sort()).toEqual([
      "batch/bad/ok-1",
      "batch/bad/ok-2",
    ]);
  });
});

describe("auditMutations with batched events", () => {
  const client = (on: Queryable, run: () => void) =>
    createClient(
      ConfigService,
      createRouterTransport((router) =>
        router.service(
          ConfigService,
          auditMutations(
            ConfigService,
            {
              createProject(req) {
                run();
                return { project: { name: req.project } };
              },
            },
            on,
            {
              createProject: {
                target: (req: { project: string }) => ({
                  project: req.project,
                  target: `projects/${req.project}`,
                }),
              },
            },
          ),
        ),
      ),
    );

  it("runs none of the concurrent mutations whose events could not be written", async () => {
    let ran = 0;
    const down = counted(/INSERT INTO audit_log/);
    const c = client(down, () => ran++);
    const codes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        c.createProject({ project: `down-${i}` }).then(
          () => undefined,
          (e: unknown) => ConnectError.from(e).code,
        ),
      ),
    );
    expect(codes).toEqual(codes.map(() => Code.Unavailable));
    expect(ran).toBe(0);
    expect(await rowsOf("projects/down-")).toEqual([]);
    // A database that cannot be reached fails the whole batch at once, not event by event.
    expect(down.statements.length).toBeLessThan(10);
  });

  it("leaves the events pending when the database fails between begin and settle", async () => {
    let ran = 0;
    const c = client(counted(/UPDATE audit_log/), () => ran++);
    const names = Array.from({ length: 10 }, (_, i) => `crash-${i}`);
    await Promise.all(names.map((project) => c.createProject({ project })));
    expect(ran).toBe(10);
    const rows = await rowsOf("projects/crash-");
    expect(rows.map((r) => r.result)).toEqual(names.map(() => "pending"));
  });
});
