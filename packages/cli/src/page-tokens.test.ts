import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapPassword, startDev, stopGuardian, type RunningGuardian } from "@guardian/testkit";

/** Calls a unary RPC over the Connect protocol with JSON, as `token`. */
async function call(dev: RunningGuardian, path: string, body: unknown, token = "") {
  const res = await fetch(`${dev.url}/${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function signIn(dev: RunningGuardian, password: string): Promise<string> {
  const login = await call(dev, "guardian.auth.v1.AuthService/Login", {
    username: "admin",
    password,
  });
  return (login["tokens"] as { accessToken: string }).accessToken;
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
      const token = await signIn(dev, password);
      for (const project of ["pages-a", "pages-b"]) {
        await call(dev, `${config}/CreateProject`, { project }, token);
      }
      await call(
        dev,
        "guardian.schema.v1.SchemaService/CreateSchema",
        { project: "pages-a", name: "any", content: {} },
        token,
      );
      for (const key of ["a", "b"]) {
        await call(
          dev,
          `${config}/CreateConfig`,
          { project: "pages-a", key, schema: "any", content: { v: 1 } },
          token,
        );
      }
      await call(
        dev,
        `${config}/UpdateConfig`,
        { project: "pages-a", key: "a", content: 2 },
        token,
      );
      const lists = {
        ListProjects: {},
        ListConfigs: { project: "pages-a" },
        ListRevisions: { project: "pages-a", key: "a" },
      };
      for (const [rpc, req] of Object.entries(lists)) {
        const first = await call(dev, `${config}/${rpc}`, { ...req, pageSize: 1 }, token);
        const pageToken = first["nextPageToken"] as string;
        expect(pageToken, rpc).toBeTruthy();
        const second = await call(
          dev,
          `${config}/${rpc}`,
          { ...req, pageSize: 1, pageToken },
          token,
        );
        pages.push({ rpc, req: { ...req, pageSize: 1, pageToken }, second });
      }
    } finally {
      expect(await stopGuardian(dev)).toBe(0);
    }

    dev = await startDev(dataDir);
    try {
      const token = await signIn(dev, password);
      // The same tokens, signed before the restart, give the same pages.
      for (const { rpc, req, second } of pages) {
        expect(await call(dev, `${config}/${rpc}`, req, token), rpc).toEqual(second);
      }
    } finally {
      expect(await stopGuardian(dev)).toBe(0);
    }
  }, 120_000);
});
