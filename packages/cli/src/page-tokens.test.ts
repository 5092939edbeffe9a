import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapPassword, startDev, stopGuardian, type RunningGuardian } from "@guardian/testkit";
import { createJsonCaller } from "./testing/json-caller.js";

/** A JSON caller of `dev`, signed in as the admin: calls answer their JSON or throw. */
async function signedIn(dev: RunningGuardian, password: string) {
  const caller = createJsonCaller(() => dev.url);
  const call = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const { status, json } = await caller.call(path, body);
    if (status !== 200) throw new Error(`${path}: ${status} ${JSON.stringify(json)}`);
    return json as Record<string, unknown>;
  };
  const login = await call("guardian.auth.v1.AuthService/Login", { username: "admin", password });
  caller.token = (login["tokens"] as { accessToken: string }).accessToken;
  return call;
}

const config = "guardian.config.v1.ConfigService";

describe("page tokens of embedded mode", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "guardian-page-tokens-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("stay valid after a restart, for every list, the store's own included", async () => {
    const dataDir = join(dir, ".guardian");
    let dev = await startDev(dataDir);
    const password = bootstrapPassword(dev.output());
    const pages: Array<{ rpc: string; req: object; second: unknown }> = [];
    try {
      const call = await signedIn(dev, password);
      for (const project of ["pages-a", "pages-b"]) {
        await call(`${config}/CreateProject`, { project });
      }
      await call("guardian.schema.v1.SchemaService/CreateSchema", {
        project: "pages-a",
        name: "any",
        content: {},
      });
      for (const key of ["a", "b"]) {
        await call(`${config}/CreateConfig`, {
          project: "pages-a",
          key,
          schema: "any",
          content: { v: 1 },
        });
      }
      await call(`${config}/UpdateConfig`, { project: "pages-a", key: "a", content: 2 });
      const lists = {
        ListProjects: {},
        ListConfigs: { project: "pages-a" },
        ListRevisions: { project: "pages-a", key: "a" },
      };
      for (const [rpc, req] of Object.entries(lists)) {
        const first = await call(`${config}/${rpc}`, { ...req, pageSize: 1 });
        const pageToken = first["nextPageToken"] as string;
        expect(pageToken, rpc).toBeTruthy();
        const second = await call(`${config}/${rpc}`, { ...req, pageSize: 1, pageToken });
        pages.push({ rpc, req: { ...req, pageSize: 1, pageToken }, second });
      }
    } finally {
      expect(await stopGuardian(dev)).toBe(0);
    }

    dev = await startDev(dataDir);
    try {
      const call = await signedIn(dev, password);
      // The same tokens, signed before the restart, give the same pages.
      for (const { rpc, req, second } of pages) {
        expect(await call(`${config}/${rpc}`, req), rpc).toEqual(second);
      }
    } finally {
      expect(await stopGuardian(dev)).toBe(0);
    }
  }, 120_000);
});
