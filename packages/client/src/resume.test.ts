import { join } from "node:path";
import type { ConnectError } from "@connectrpc/connect";
import { makeTempDir, removeTempDir, startTcpProxy, waitFor } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuardianClient } from "./client.js";
import { fileCache } from "./file-cache.js";
import type { ConfigChange, Subscription } from "./subscription/types.js";
import { put, seedProject, startDevServer, type DevServer } from "./testing/dev-server.js";

/** Records what a subscription delivers, through `onChange`. */
function record(sub: Subscription) {
  const changes: ConfigChange[] = [];
  sub.onChange((c) => void changes.push(c));
  const until = (count: number, what: string) =>
    waitFor(async () => (changes.length >= count ? true : undefined), {
      what,
      timeoutMs: 60_000,
      details: () => JSON.stringify(changes.map((c) => [c.type, c.key, String(c.revision)])),
    });
  return { changes, until };
}

const summary = (changes: ConfigChange[]) =>
  changes.map((c) => [c.type, c.key, c.type === "deleted" ? null : c.config.content]);

describe("subscriptions across outages (guardian dev)", () => {
  let server: DevServer;
  let dir: string;

  beforeAll(async () => {
    server = await startDevServer();
    dir = await makeTempDir("guardian-client-resume");
    await seedProject(server.admin, "outage");
  }, 90_000);

  afterAll(async () => {
    await server?.dispose();
    if (dir) await removeTempDir(dir);
  });

  it("resumes after a server restart and sees every change exactly once", async () => {
    const retries: ConnectError[] = [];
    const sub = server.admin.subscribe(
      "outage",
      { prefix: "restart/" },
      { retryMaxMs: 500, onRetry: (e) => void retries.push(e) },
    );
    const seen = record(sub);
    await sub.ready();
    const written: bigint[] = [];
    for (let n = 0; n < 5; n++)
      written.push(await put(server.admin, "outage", `restart/${n % 2}`, n));
    await seen.until(5, "the changes before the restart");

    await server.stop();
    await waitFor(async () => (retries.length > 0 ? true : undefined), {
      what: "the subscription to notice the outage",
      timeoutMs: 30_000,
    });
    await server.start();
    for (let n = 5; n < 10; n++)
      written.push(await put(server.admin, "outage", `restart/${n % 2}`, n));
    await seen.until(10, "the changes after the restart");

    expect(seen.changes.map((c) => c.revision)).toEqual(written);
    expect(sub.get("restart/1")?.content).toEqual({ n: 9 });
    expect(sub.stale).toBe(false);
    await sub.close();
    expect(seen.changes).toHaveLength(10);
  }, 120_000);

  it("starts from the cache while the server is down, then takes live data", async () => {
    const path = join(dir, "cache", "outage.json");
    const first = server.admin.subscribe(
      "outage",
      { prefix: "cached/" },
      {
        cache: fileCache(path),
      },
    );
    await put(server.admin, "outage", "cached/a", 1);
    await put(server.admin, "outage", "cached/b", 1);
    await waitFor(async () => (first.current().size === 2 ? true : undefined), {
      what: "both configs",
      timeoutMs: 30_000,
    });
    await first.close();
    // The cache now falls behind: one update, one new config.
    await put(server.admin, "outage", "cached/a", 2);
    await put(server.admin, "outage", "cached/c", 1);
    await server.stop();

    const client = createGuardianClient({ baseUrl: server.url, tokenProvider: server.adminTokens });
    const sub = client.subscribe(
      "outage",
      { prefix: "cached/" },
      {
        cache: fileCache(path),
        retryMaxMs: 500,
      },
    );
    const seen = record(sub);
    await sub.ready();
    expect(sub.stale).toBe(true);
    expect(sub.get("cached/a")?.content).toEqual({ n: 1 });
    expect(sub.current().size).toBe(2);

    await server.start();
    await waitFor(async () => (sub.stale ? undefined : true), {
      what: "live data",
      timeoutMs: 60_000,
    });
    // Only what differs from the cache: nothing for cached/b.
    expect(summary(seen.changes)).toEqual([
      ["updated", "cached/a", { n: 2 }],
      ["created", "cached/c", { n: 1 }],
    ]);
    const b = await put(server.admin, "outage", "cached/b", 2);
    await seen.until(3, "a live change after the cache was replaced");
    expect(seen.changes[2]).toMatchObject({ type: "updated", key: "cached/b", revision: b });
    await sub.close();
  }, 120_000);

  it("after a resync delivers only the keys that changed", async () => {
    for (const key of ["a", "b", "c"]) await put(server.admin, "outage", `resync/${key}`, 0);
    const proxy = await startTcpProxy(server.url);
    const client = createGuardianClient({ baseUrl: proxy.url, tokenProvider: server.adminTokens });
    const sub = client.subscribe("outage", { prefix: "resync/" }, { retryMaxMs: 300 });
    const seen = record(sub);
    await sub.ready();
    const before = sub.revision;

    proxy.cut();
    // More writes to one config than the store keeps (100 in embedded mode): the changes
    // since the subscription's revision can no longer be replayed.
    for (let n = 1; n <= 105; n++) await put(server.admin, "outage", "resync/a", n);
    await server.admin.config.deleteConfig({ project: "outage", key: "resync/b" });
    const last = await put(server.admin, "outage", "resync/d", 1);
    proxy.restore();

    await seen.until(3, "the changes found by the resync");
    // One update for 105 writes: the stream resynced instead of replaying.
    expect(summary(seen.changes)).toEqual([
      ["updated", "resync/a", { n: 105 }],
      ["deleted", "resync/b", null],
      ["created", "resync/d", { n: 1 }],
    ]);
    expect(seen.changes.every((c) => c.revision >= last && c.revision > before)).toBe(true);
    expect([...sub.current().keys()].sort()).toEqual(["resync/a", "resync/c", "resync/d"]);
    const after = await put(server.admin, "outage", "resync/c", 1);
    await seen.until(4, "a live change after the resync");
    expect(seen.changes[3]).toMatchObject({ type: "updated", key: "resync/c", revision: after });
    await sub.close();
    await proxy.close();
  }, 90_000);
});
