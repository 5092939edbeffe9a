import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { ApiKeyScope } from "@guardian/api";
import { makeTempDir, removeTempDir, startTcpProxy, waitFor } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuardianClient } from "./client.js";
import { fileCache } from "./file-cache.js";
import type { ConfigChange } from "./subscription/types.js";
import { json, put, seedProject, startDevServer, type DevServer } from "./testing/dev-server.js";
import { builtInTokens } from "./tokens/built-in.js";

/** Collects the changes a subscription delivers, through its async iterator. */
function collect(sub: AsyncIterable<ConfigChange>) {
  const changes: ConfigChange[] = [];
  const done = (async () => {
    for await (const change of sub) changes.push(change);
  })();
  return { changes, done };
}

describe("the Guardian client against guardian dev", () => {
  let server: DevServer;
  let dir: string;

  beforeAll(async () => {
    server = await startDevServer();
    dir = await makeTempDir("guardian-client-cache");
    await seedProject(server.admin, "shop");
  }, 90_000);

  afterAll(async () => {
    await server?.dispose();
    if (dir) await removeTempDir(dir);
  });

  it("rejects bad options with a TypeError naming the option", () => {
    const provider = server.adminTokens;
    const bad = (opts: unknown) => () => createGuardianClient(opts as never);
    expect(bad({ apiKey: "k" })).toThrow(/option "baseUrl" is required/);
    expect(bad({ baseUrl: "ftp://x", apiKey: "k" })).toThrow(/"baseUrl" must be an http/);
    expect(bad({ baseUrl: server.url })).toThrow(/"apiKey" or option "tokenProvider"/);
    expect(bad({ baseUrl: server.url, apiKey: "k", tokenProvider: provider })).toThrow(
      /either option "apiKey" or option "tokenProvider", not both/,
    );
    expect(bad({ baseUrl: server.url, apiKey: "k", protocol: "h3" })).toThrow(/"protocol"/);
    expect(() => builtInTokens({ baseUrl: server.url, username: "admin" })).toThrow(
      /password \(with username\) or refreshToken/,
    );
    const client = createGuardianClient({ baseUrl: server.url, apiKey: "k" });
    expect(() => client.subscribe("shop", { key: "a", prefix: "b" } as never)).toThrow(TypeError);
  });

  it("authenticates with an API key created through the API, as x-api-key", async () => {
    await put(server.admin, "shop", "keyed/a", 1);
    const created = await server.admin.auth.createApiKey({
      project: "shop",
      name: "reader",
      scope: ApiKeyScope.READ,
    });
    const reader = createGuardianClient({ baseUrl: server.url, apiKey: created.secret });
    const got = await reader.config.getConfig({ project: "shop", key: "keyed/a" });
    expect(got.config?.version).toBeGreaterThan(0n);

    const sub = reader.subscribe("shop", { prefix: "keyed/" });
    await sub.ready();
    expect(sub.get("keyed/a")?.content).toEqual({ n: 1 });
    await sub.close();

    const write = reader.config.updateConfig({
      project: "shop",
      key: "keyed/a",
      content: json({ n: 2 }),
    });
    await expect(write).rejects.toMatchObject({ code: Code.PermissionDenied });
    const wrong = createGuardianClient({ baseUrl: server.url, apiKey: `${created.secret}x` });
    await expect(wrong.config.getConfig({ project: "shop", key: "keyed/a" })).rejects.toMatchObject(
      { code: Code.Unauthenticated },
    );
  });

  it("speaks gRPC over HTTP/2 as well as Connect", async () => {
    const grpc = createGuardianClient({
      baseUrl: server.url,
      protocol: "grpc",
      tokenProvider: server.adminTokens,
    });
    const revision = await put(server.admin, "shop", "grpc/a", 1);
    const got = await grpc.config.getConfig({ project: "shop", key: "grpc/a" });
    expect(got.config?.version).toBe(revision);

    const sub = grpc.subscribe("shop", { key: "grpc/a" });
    const seen = collect(sub);
    await sub.ready();
    const next = await put(server.admin, "shop", "grpc/a", 2);
    await waitFor(async () => (seen.changes.length > 0 ? true : undefined), {
      what: "the change over gRPC",
      timeoutMs: 20_000,
    });
    expect(seen.changes).toMatchObject([{ type: "updated", revision: next, key: "grpc/a" }]);
    await sub.close();
    await seen.done;
  });

  it("delivers 1,000 writes exactly once and in revision order", async () => {
    const sub = server.admin.subscribe("shop", { prefix: "bulk/" });
    const seen = collect(sub);
    await sub.ready();
    const keys = Array.from({ length: 10 }, (_, i) => `bulk/${i}`);
    const written: bigint[] = [];
    // Ten writers, one per key, so that writes to different keys interleave.
    await Promise.all(
      keys.map(async (key) => {
        for (let n = 0; n < 100; n++) written.push(await put(server.admin, "shop", key, n));
      }),
    );
    await waitFor(async () => (seen.changes.length >= 1000 ? true : undefined), {
      what: "1,000 changes",
      timeoutMs: 60_000,
      details: () => `${seen.changes.length} seen`,
    });
    const revisions = seen.changes.map((c) => c.revision);
    expect(revisions).toEqual([...written].sort((a, b) => (a < b ? -1 : 1)));
    expect(seen.changes.filter((c) => c.type === "created")).toHaveLength(10);
    for (const key of keys) expect(sub.get(key)?.content).toEqual({ n: 99 });
    expect(sub.revision).toBeGreaterThanOrEqual(revisions.at(-1)!);
    await sub.close();
    await seen.done;
    expect(seen.changes).toHaveLength(1000);
  }, 120_000);

  it("ignores a corrupt cache file with a warning, then takes live data", async () => {
    await put(server.admin, "shop", "cached/a", 7);
    const path = join(dir, "corrupt.json");
    await writeFile(path, '{"format":"guardian-subscription-cache/1","project":"sh');
    const warnings: string[] = [];
    const logger = { warn: (message: string) => void warnings.push(message) };
    const proxy = await startTcpProxy(server.url);
    proxy.cut();
    const client = createGuardianClient({ baseUrl: proxy.url, tokenProvider: server.adminTokens });
    const sub = client.subscribe(
      "shop",
      { prefix: "cached/" },
      {
        cache: fileCache(path, { logger }),
        retryMaxMs: 200,
      },
    );
    await waitFor(async () => (warnings.length > 0 ? true : undefined), {
      what: "a warning about the cache file",
      timeoutMs: 20_000,
    });
    expect(warnings[0]).toMatch(/ignoring the cache file .*corrupt\.json: it is corrupt/);
    expect(sub.current().size).toBe(0);
    expect(sub.stale).toBe(false);

    proxy.restore();
    await sub.ready();
    expect(sub.stale).toBe(false);
    expect(sub.get("cached/a")?.content).toEqual({ n: 7 });
    await sub.close();
    await proxy.close();
    // The live copy replaced the corrupt file.
    expect((await fileCache(path).load())?.configs.map((c) => c.key)).toEqual(["cached/a"]);
  });

  it("stops with the server's code when retrying cannot help", async () => {
    const sub = server.admin.subscribe("no-such-project");
    const seen = collect(sub);
    await expect(sub.ready()).rejects.toMatchObject({ code: Code.NotFound });
    await expect(seen.done).rejects.toBeInstanceOf(ConnectError);
    expect(sub.error?.code).toBe(Code.NotFound);
    await sub.close();
  });

  it("continues a session from a refresh token, rotating it on every refresh", async () => {
    const first = server.adminTokens.refreshToken!;
    const rotated: string[] = [];
    const tokens = builtInTokens({
      baseUrl: server.url,
      refreshToken: (
        await server.admin.auth.login({ username: "admin", password: server.password })
      ).tokens!.refreshToken,
      onRefreshToken: (t) => void rotated.push(t),
    });
    const [a, b] = await Promise.all([tokens.getToken(), tokens.getToken()]);
    expect(a).toBe(b);
    expect(rotated).toHaveLength(1);
    const c = await tokens.refresh(a);
    expect(c).not.toBe(a);
    expect(rotated).toHaveLength(2);
    expect(tokens.refreshToken).toBe(rotated[1]);
    const client = createGuardianClient({ baseUrl: server.url, tokenProvider: tokens });
    expect((await client.auth.whoAmI({})).principal?.actor).toMatch(/admin/);
    expect(first).not.toBe(tokens.refreshToken);
  });
});
