import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type HandlerContext,
} from "@connectrpc/connect";
import { ConfigService } from "@guardian/api";
import { withTransaction } from "@guardian/db";
import { serviceCallError } from "@guardian/kit";
import { useTestDatabase } from "@guardian/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { carriedAuditKey, writeCarriedAudits } from "./carried.js";
import { auditMutations, type AuditTable } from "./mutations.js";

const db = useTestDatabase();

beforeAll(async () => {
  // The database is dropped WITH (FORCE) after the file; closing connections may report it.
  db.pool().on("error", () => {});
  await db.pool().query("CREATE TABLE carried_changes (key text PRIMARY KEY, revision bigint)");
});

const target = (req: { project: string; key: string }) => ({
  project: req.project,
  target: `projects/${req.project}/configs/${req.key}`,
});
const table: AuditTable<typeof ConfigService> = {
  updateConfig: {
    target,
    detail: (_req: unknown, res: { revision: bigint }) => ({ revision: String(res.revision) }),
    carried: true,
  },
};

/**
 * A write path like the SQL store engine's: one transaction makes the change and writes the
 * carried event, which is marked written once the transaction committed.
 */
async function change(ctx: HandlerContext, key: string, revision: bigint): Promise<void> {
  const audit = ctx.values.get(carriedAuditKey);
  await withTransaction(db.pool(), async (tx) => {
    await tx.query("INSERT INTO carried_changes VALUES ($1, $2)", [key, revision]);
    if (audit) await writeCarriedAudits(tx, [{ audit, revision }]);
  });
  if (audit) audit.written = true;
}

type Update = (req: { project: string; key: string }, ctx: HandlerContext) => Promise<unknown>;

function client(updateConfig: Update, carry = true) {
  const impl = { updateConfig } as never;
  const transport = createRouterTransport((router) =>
    router.service(ConfigService, auditMutations(ConfigService, impl, db.pool(), table, { carry })),
  );
  return createClient(ConfigService, transport);
}

async function eventsOf(key: string) {
  const res = await db
    .pool()
    .query<{ result: string; error_code: string; detail: object }>(
      `SELECT result, error_code, detail FROM audit_log WHERE target = $1 ORDER BY id`,
      [`projects/p/configs/${key}`],
    );
  return res.rows;
}

const codeOf = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e).code,
  );

describe("audit events carried by the change's transaction", () => {
  it("writes the event settled, in the transaction of the change, and nothing else", async () => {
    const c = client(async (req, ctx) => {
      await change(ctx, req.key, 41n);
      return { revision: 41n };
    });
    await c.updateConfig({ project: "p", key: "same-tx" });
    expect(await eventsOf("same-tx")).toEqual([
      { result: "ok", error_code: "", detail: { revision: "41" } },
    ]);
    // One transaction wrote both rows, and the event was never updated after it.
    const xmin = await db.pool().query<{ change: string; event: string }>(
      `SELECT (SELECT xmin::text FROM carried_changes WHERE key = 'same-tx') AS change,
              (SELECT xmin::text FROM audit_log WHERE target = 'projects/p/configs/same-tx') AS event`,
    );
    expect(xmin.rows[0]!.event).toBe(xmin.rows[0]!.change);
  });

  it("writes the outcome of a mutation that changed nothing once it is known", async () => {
    const failed = client(() => Promise.reject(new ConnectError("conflict", Code.Aborted)));
    expect(await codeOf(failed.updateConfig({ project: "p", key: "refused" }))).toBe(Code.Aborted);
    // A replay of an earlier write answers without a change.
    const replay = client(() => Promise.resolve({ revision: 7n }));
    await replay.updateConfig({ project: "p", key: "replayed" });
    expect(await eventsOf("refused")).toEqual([
      { result: "failed", error_code: "aborted", detail: {} },
    ]);
    expect(await eventsOf("replayed")).toEqual([
      { result: "ok", error_code: "", detail: { revision: "7" } },
    ]);
  });

  it("writes nothing more for an outcome that is unknown: the event is stored exactly if the change is", async () => {
    const unknown = (committed: boolean) =>
      client(async (req, ctx) => {
        if (committed) await change(ctx, req.key, 9n);
        throw serviceCallError(
          new ConnectError("reset", Code.Unknown),
          ConfigService.method.updateConfig,
          {
            writes: new Set(["updateConfig"]),
          },
        );
      });
    expect(await codeOf(unknown(true).updateConfig({ project: "p", key: "lost-answer" }))).toBe(
      Code.Unavailable,
    );
    expect(await codeOf(unknown(false).updateConfig({ project: "p", key: "lost-write" }))).toBe(
      Code.Unavailable,
    );
    expect(await eventsOf("lost-answer")).toEqual([
      { result: "ok", error_code: "", detail: { revision: "9" } },
    ]);
    expect(await eventsOf("lost-write")).toEqual([]);
  });

  it("writes a pending event first and settles it when the write path cannot carry it", async () => {
    const c = client(async (req, ctx) => {
      expect(ctx.values.get(carriedAuditKey)).toBeUndefined();
      const pending = await eventsOf(req.key);
      expect(pending.map((e) => e.result)).toEqual(["pending"]);
      return { revision: 3n };
    }, false);
    await c.updateConfig({ project: "p", key: "not-carried" });
    expect(await eventsOf("not-carried")).toEqual([
      { result: "ok", error_code: "", detail: { revision: "3" } },
    ]);
  });
});
