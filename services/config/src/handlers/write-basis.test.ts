import { Code } from "@connectrpc/connect";
import { VersionConflictSchema } from "@guardian/api";
import { failureOf } from "@guardian/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { createReadCache } from "../read-cache/cache.js";
import { useHarness } from "../testing/harness.js";
import { json, lateWatchStore, newProject, plain } from "../testing/fixtures.js";

const h = useHarness();
const stops: AbortController[] = [];

// Runs before the harness closes (after-hooks run in reverse order of registration).
afterAll(() => {
  for (const ac of stops) ac.abort();
});

/**
 * Two config services over one store, as two API processes are: `other` has no read cache,
 * so what it knows of a config is only what it wrote itself, and it is behind whenever
 * `h.config` writes.
 */
function twoWriters() {
  return { mine: h.config, other: h.configWith({ readCache: undefined }) };
}

/**
 * A config service whose read cache hears of every change 1.5 s late, as a busy process's may,
 * and a config "k" at v1 that it has read.
 */
async function configReadBehind() {
  const ac = new AbortController();
  stops.push(ac);
  const readCache = createReadCache({ store: lateWatchStore(h.store, 1_500), signal: ac.signal });
  const behind = h.configWith({ readCache });
  const p = await newProject(h);
  const v1 = await h.config.createConfig({ project: p, key: "k", content: json(1), schema: "any" });
  await behind.readConfig({ project: p, key: "k", minRevision: v1.revision });
  return { behind, p, v1 };
}

describe("updates built on the state this process knows", () => {
  it("keep a change made elsewhere since this process last wrote the config", async () => {
    const p = await newProject(h);
    const { mine, other } = twoWriters();
    await other.createConfig({ project: p, key: "k", content: json(1), schema: "any" });
    const relabeled = await mine.updateConfig({
      project: p,
      key: "k",
      labels: { tier: "gold" },
      updateMask: { paths: ["labels"] },
    });
    const res = await other.updateConfig({ project: p, key: "k", content: json(2) });
    expect(plain(res.config?.content)).toBe(2);
    expect(res.config?.labels).toEqual({ tier: "gold" });
    // The compare that found the config moved wrote nothing: one revision for the update.
    expect(res.revision).toBe(relabeled.revision + 1n);
    const history = await h.store.listKeyRevisions({ project: p, key: "k" });
    expect(history.records).toHaveLength(3);
  });

  it("answer Aborted with the current version when the client's expected version is the stale one", async () => {
    const p = await newProject(h);
    const { mine, other } = twoWriters();
    const v1 = await other.createConfig({ project: p, key: "k", content: json(1), schema: "any" });
    const v2 = await mine.updateConfig({ project: p, key: "k", content: json(2) });
    const err = await failureOf(
      other.updateConfig({
        project: p,
        key: "k",
        content: json(3),
        expectedVersion: v1.revision,
      }),
    );
    expect(err.code).toBe(Code.Aborted);
    expect(err.findDetails(VersionConflictSchema)[0]).toMatchObject({
      expectedVersion: v1.revision,
      currentVersion: v2.revision,
    });
    expect(plain((await h.config.getConfig({ project: p, key: "k" })).config?.content)).toBe(2);
  });

  it("answer NotFound for a config deleted elsewhere since this process wrote it", async () => {
    const p = await newProject(h);
    const { mine, other } = twoWriters();
    await other.createConfig({ project: p, key: "k", content: json(1), schema: "any" });
    const deleted = await mine.deleteConfig({ project: p, key: "k" });
    const err = await failureOf(other.updateConfig({ project: p, key: "k", content: json(2) }));
    expect(err.code).toBe(Code.NotFound);
    expect(await h.engine.currentRevision()).toBe(deleted.revision);
  });

  it("replay an idempotent update, from another process too, without writing again", async () => {
    const p = await newProject(h);
    const { mine, other } = twoWriters();
    await other.createConfig({ project: p, key: "k", content: json(1), schema: "any" });
    const req = { project: p, key: "k", content: json(2), idempotencyKey: "once" };
    const first = await other.updateConfig(req);
    await mine.updateConfig({
      project: p,
      key: "k",
      labels: {},
      updateMask: { paths: ["labels"] },
    });
    const again = await other.updateConfig(req);
    expect(again.revision).toBe(first.revision);
    const history = await h.store.listKeyRevisions({ project: p, key: "k" });
    expect(history.records).toHaveLength(3);
  });

  it("after a version conflict, read no older version than the one it reported", async () => {
    const { behind, p, v1 } = await configReadBehind();
    const v2 = await h.config.updateConfig({ project: p, key: "k", content: json(2) });
    const stale = await behind.readConfig({ project: p, key: "k" });
    expect(stale.etag).toBe(v1.revision);

    const err = await failureOf(
      behind.updateConfig({ project: p, key: "k", content: json(3), expectedVersion: v1.revision }),
    );
    expect(err.findDetails(VersionConflictSchema)[0]?.currentVersion).toBe(v2.revision);
    // The answer named v2: a read through the same process no longer shows v1.
    const read = await behind.readConfig({ project: p, key: "k" });
    expect(read.etag).toBe(v2.revision);
    expect(plain(read.content)).toBe(2);
  });

  it("after NotFound for a config deleted elsewhere, read it no longer", async () => {
    const { behind, p, v1 } = await configReadBehind();
    await h.config.deleteConfig({ project: p, key: "k" });
    expect((await behind.readConfig({ project: p, key: "k" })).etag).toBe(v1.revision);

    const err = await failureOf(behind.updateConfig({ project: p, key: "k", content: json(2) }));
    expect(err.code).toBe(Code.NotFound);
    // The store's revision header is for the config service, not passed on to the client.
    expect(err.metadata.get("guardian-observed-revision")).toBeNull();
    const read = await failureOf(behind.readConfig({ project: p, key: "k" }));
    expect(read.code).toBe(Code.NotFound);
  });
});
