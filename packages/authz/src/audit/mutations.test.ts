import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type ServiceImpl,
} from "@connectrpc/connect";
import { ConfigService } from "@guardian/api";
import type { Queryable } from "@guardian/db";
import { serviceCallError } from "@guardian/kit";
import { useTestDatabase } from "@guardian/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { auditDetail, auditMutations, auditTarget, type AuditTable } from "./mutations.js";

const db = useTestDatabase();

beforeAll(() => {
  // The database is dropped WITH (FORCE) after the file; closing connections may report it.
  db.pool().on("error", () => {});
});

const table: AuditTable<typeof ConfigService> = {
  createProject: {
    target: (req: { project: string }) => ({
      project: req.project,
      target: `projects/${req.project}`,
    }),
    detail: (_req: unknown, res: { project?: { version: bigint } }) => ({
      version: String(res.project?.version),
    }),
  },
  deleteProject: {
    target: (req: { project: string }) => ({
      project: req.project,
      target: `projects/${req.project}`,
    }),
  },
  updateProject: {
    target: (req: { project: string }) => ({
      project: req.project,
      target: `projects/${req.project}`,
    }),
  },
};

function client(impl: Partial<ServiceImpl<typeof ConfigService>>, on: Queryable = db.pool()) {
  const transport = createRouterTransport((router) =>
    router.service(ConfigService, auditMutations(ConfigService, impl, on, table)),
  );
  return createClient(ConfigService, transport);
}

async function eventsOf(target: string) {
  const res = await db.pool().query<{
    action: string;
    target: string;
    result: string;
    error_code: string;
    detail: Record<string, unknown>;
  }>(`SELECT action, target, result, error_code, detail FROM audit_log WHERE target LIKE $1 ORDER BY id`, [`${target}%`]);
  return res.rows;
}

const codeOf = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e).code,
  );

describe("auditMutations", () => {
  it("settles a mutation's event with the response's facts and the handler's own", async () => {
    const c = client({
      createProject(req, ctx) {
        auditDetail(ctx, { seeded: true });
        auditTarget(ctx, { target: `projects/${req.project}/renamed` });
        return { project: { name: req.project, version: 3n } };
      },
      getProject: (req) => ({ project: { name: req.project } }),
    });
    await c.createProject({ project: "audit-ok" });
    await c.getProject({ project: "audit-ok" });
    expect(await eventsOf("projects/audit-ok")).toEqual([
      {
        action: "guardian.config.v1.ConfigService/CreateProject",
        target: "projects/audit-ok/renamed",
        result: "ok",
        error_code: "",
        detail: { version: "3", seeded: true },
      },
    ]);
  });

  it("records the code of a failure, and leaves a write of unknown outcome pending", async () => {
    const c = client({
      deleteProject: () => Promise.reject(new ConnectError("no such project", Code.NotFound)),
      updateProject: () =>
        Promise.reject(
          serviceCallError(
            new ConnectError("reset", Code.Unknown),
            ConfigService.method.updateProject,
            {
              writes: new Set(["updateProject"]),
            },
          ),
        ),
    });
    expect(await codeOf(c.deleteProject({ project: "audit-failed" }))).toBe(Code.NotFound);
    expect(await codeOf(c.updateProject({ project: "audit-unknown" }))).toBe(Code.Unavailable);
    const rows = [
      ...(await eventsOf("projects/audit-failed")),
      ...(await eventsOf("projects/audit-unknown")),
    ];
    expect(rows.map((r) => [r.target, r.result, r.error_code])).toEqual([
      ["projects/audit-failed", "failed", "not_found"],
      ["projects/audit-unknown", "pending", ""],
    ]);
  });

  it("runs nothing when the event cannot be written", async () => {
    let ran = false;
    const broken: Queryable = { query: () => Promise.reject(new Error("database down")) } as never;
    const c = client(
      {
        createProject() {
          ran = true;
          return {};
        },
      },
      broken,
    );
    expect(await codeOf(c.createProject({ project: "audit-down" }))).toBe(Code.Unavailable);
    expect(ran).toBe(false);
  });

  it("writes the event of a mutation naming a 300 000-character project, cut, and runs it", async () => {
    const huge = `audit-huge-${"a".repeat(300_000)}`;
    const c = client({
      deleteProject: () =>
        Promise.reject(new ConnectError("invalid project", Code.InvalidArgument)),
    });
    expect(await codeOf(c.deleteProject({ project: huge }))).toBe(Code.InvalidArgument);
    const rows = await eventsOf("projects/audit-huge-");
    expect(rows.map((r) => [r.target.length, r.result, r.error_code])).toEqual([
      [1024, "failed", "invalid_argument"],
    ]);
    expect(rows[0]!.target).toMatch(/^projects\/audit-huge-a+… \(300020 characters\)$/);
  });
});
