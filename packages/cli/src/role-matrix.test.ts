import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, type DescMethod, type Message } from "@bufbuild/protobuf";
import { AuthService, ConfigService, getAccess, guardianServices } from "@guardian/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedOutcome, type Outcome } from "./testing/access-model.js";
import { callRpc, mapLimit, type CallResult } from "./testing/call-rpc.js";
import {
  startMatrixServer,
  type MatrixPrincipal,
  type MatrixServer,
} from "./testing/matrix-server.js";
import { matrixRequest, type RequestTargets } from "./testing/matrix-requests.js";

const protoDir = fileURLToPath(new URL("../../../proto/guardian/", import.meta.url));
const rpcs: DescMethod[] = guardianServices.flatMap((service) => service.methods);
const timeouts = { unaryMs: 15_000, streamMs: 3_000 };
const concurrency = 8;

// RPCs that could end sessions, change users, bindings or keys, or delete a project if their
// request were wrong: they run after every other cell, so a slip cannot skew the rest.
const lastPhase = new Set([
  "Logout",
  "ChangePassword",
  "UpdateUser",
  "DisableUser",
  "EnableUser",
  "SetPassword",
  "GrantRole",
  "RevokeRole",
  "RevokeApiKey",
  "RotateApiKey",
  "DeleteProject",
]);

interface Cell {
  rpc: string;
  method: DescMethod;
  principal: MatrixPrincipal;
  message: Message;
  expected: Outcome;
}

function rpcName(method: DescMethod): string {
  return `${method.parent.name}.${method.name}`;
}

/** Counts the `rpc` declarations in the .proto files, independently of the generated code. */
async function countDeclaredRpcs(): Promise<number> {
  const files = (await readdir(protoDir, { recursive: true })).filter((f) => f.endsWith(".proto"));
  const texts = await Promise.all(files.map((f) => readFile(join(protoDir, f), "utf8")));
  return texts.reduce((n, text) => n + (text.match(/^\s*rpc\s+\w+\s*\(/gm)?.length ?? 0), 0);
}

/** The value of the request field that the access option names as project_field. */
function projectOf(method: DescMethod, message: Message): string | undefined {
  const name = getAccess(method)?.projectField ?? "";
  const field = method.input.fields.find((f) => f.name === name);
  if (!field) return undefined;
  const value = (message as unknown as Record<string, unknown>)[field.localName];
  return typeof value === "string" ? value : undefined;
}

function requestOf(method: DescMethod, targets: RequestTargets): Message {
  const build = matrixRequest(method);
  if (!build) throw new Error(`the role matrix has no request for ${rpcName(method)}`);
  return create(method.input, build(targets));
}

function cellsOf(server: MatrixServer): Cell[] {
  return rpcs.flatMap((method) =>
    server.principals.map((principal): Cell => {
      const message = requestOf(method, {
        project: server.project,
        doomedProject: server.doomedProject,
        loginUser: server.loginUser,
        loginPassword: server.loginPassword,
        refreshToken: server.refreshTokens.get(principal.name) ?? "",
      });
      const access = getAccess(method);
      const expected = expectedOutcome(access, principal.model, projectOf(method, message));
      return { rpc: rpcName(method), method, principal, message, expected };
    }),
  );
}

describe("role matrix: every RPC × every principal against a real guardian dev", () => {
  let server: MatrixServer;

  beforeAll(async () => {
    server = await startMatrixServer();
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it("covers every RPC declared under proto/guardian, each with an access option and a request", async () => {
    expect(rpcs.length).toBe(await countDeclaredRpcs());
    expect(rpcs.filter((m) => getAccess(m) === undefined).map(rpcName)).toEqual([]);
    expect(rpcs.filter((m) => matrixRequest(m) === undefined).map(rpcName)).toEqual([]);
    expect(server.principals.map((p) => p.name)).toEqual([
      "anonymous",
      "viewer",
      "editor",
      "project admin",
      "global admin",
      "read key",
      "write key",
    ]);
  });

  it("sends a project in every request of an RPC whose access option names a project_field", () => {
    const scoped = cellsOf(server).filter((c) => getAccess(c.method)?.projectField);
    expect(scoped.length).toBeGreaterThan(0);
    const unnamed = scoped.filter((c) => !projectOf(c.method, c.message)).map((c) => c.rpc);
    expect(unnamed).toEqual([]);
  });

  it("allows or refuses each cell (with the exact code) as access.proto prescribes", async () => {
    const cells = cellsOf(server);
    expect(cells).toHaveLength(rpcs.length * 7);
    const run = (phase: Cell[]) =>
      mapLimit(phase, concurrency, async (cell) => ({
        cell,
        result: await callRpc(
          server.transport,
          cell.method,
          cell.message,
          cell.principal.headers,
          timeouts,
        ),
      }));
    const first = await run(cells.filter((c) => !lastPhase.has(c.method.name)));
    const last = await run(cells.filter((c) => lastPhase.has(c.method.name)));
    const results: { cell: Cell; result: CallResult }[] = [...first, ...last];
    expect(results).toHaveLength(cells.length);

    const mismatches = results
      .filter(({ cell, result }) => result.outcome !== cell.expected)
      .map(
        ({ cell, result }) =>
          `${cell.rpc} as ${cell.principal.name}: expected ${cell.expected}, got ${result.outcome} (${result.detail})`,
      );
    expect(mismatches).toEqual([]);

    // Every principal meets both answers somewhere, so no column of the matrix is vacuous.
    for (const principal of server.principals) {
      const mine = results.filter((r) => r.cell.principal === principal);
      expect(
        mine.some((r) => r.result.outcome === "allowed"),
        principal.name,
      ).toBe(true);
      expect(
        mine.some((r) => r.result.outcome !== "allowed"),
        principal.name,
      ).toBe(true);
    }
  }, 60_000);

  it("leaves every credential and both projects usable after the matrix", async () => {
    for (const principal of server.principals.filter((p) => p.model.kind !== "anonymous")) {
      const whoAmI = create(AuthService.method.whoAmI.input, {});
      const result = await callRpc(
        server.transport,
        AuthService.method.whoAmI,
        whoAmI,
        principal.headers,
        timeouts,
      );
      expect(result, principal.name).toEqual({ outcome: "allowed", detail: "OK" });
    }
    const admin = server.principals.find((p) => p.name === "global admin")!;
    for (const project of [server.project, server.doomedProject]) {
      const getProject = create(ConfigService.method.getProject.input, { project });
      const result = await callRpc(
        server.transport,
        ConfigService.method.getProject,
        getProject,
        admin.headers,
        timeouts,
      );
      expect(result, project).toEqual({ outcome: "allowed", detail: "OK" });
    }
  });
});
