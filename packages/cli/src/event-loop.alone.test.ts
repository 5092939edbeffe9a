import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonCaller } from "./testing/json-caller.js";
import { startDev, stopGuardian, type RunningGuardian, bootstrapPassword } from "@guardian/testkit";

/** Backtracking engines take 10 s to minutes to fail this against `^(a+)+$`. */
const evil = `${"a".repeat(30)}b`;
const catastrophic = {
  type: "object",
  properties: { s: { type: "string", pattern: "^(a+)+$" } },
};

/** A deeply branching `anyOf` tree (about 200 KB, under the 256 KiB limit): seconds to compile. */
function branching(depth: number): Record<string, unknown> {
  if (depth === 0) return { type: "integer" };
  return { anyOf: [branching(depth - 1), { properties: { a: branching(depth - 1) } }] };
}

/**
 * No call may hold the event loop: against a real `guardian dev` process, `/healthz` keeps
 * answering within 100 ms while the costliest schema inputs are compiled and validated.
 */
describe("the event loop under costly schema work", () => {
  let dataDir: string;
  let dev: RunningGuardian;
  const api = createJsonCaller(() => dev.url);
  const call = api.call;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "guardian-event-loop-"));
    // A deadline far above the costliest compile, so that every call below runs to its end.
    dev = await startDev(dataDir, {
      GUARDIAN_SCHEMA_DEADLINE: "120s",
      // One thread leaves the other core to the event loop on a two-core machine.
      GUARDIAN_SCHEMA_THREADS: "1",
    });
  }, 60_000);

  afterAll(async () => {
    if (dev) await stopGuardian(dev);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("answers /healthz within 100 ms while the worst schemas and documents are being checked", async () => {
    const password = bootstrapPassword(dev.output());
    api.token = (
      await call("guardian.auth.v1.AuthService/Login", { username: "admin", password })
    ).json.tokens.accessToken;
    const project = "stall";
    await call("guardian.config.v1.ConfigService/CreateProject", { project });
    const schema = (name: string, content: unknown) =>
      call("guardian.schema.v1.SchemaService/CreateSchema", { project, name, content });
    expect((await schema("evil", catastrophic)).status).toBe(200);
    expect((await schema("unique", { type: "array", uniqueItems: true })).status).toBe(200);
    expect((await schema("open", { type: "object" })).status).toBe(200);
    const stored = await call("guardian.config.v1.ConfigService/CreateConfig", {
      project,
      key: "victim",
      schema: "open",
      content: { s: evil },
    });
    expect(stored.status).toBe(200);
    const distinct = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `n${i}` }));

    const requests: [string, unknown][] = [
      [
        "schema.v1.SchemaService/ValidateDocument",
        { project, name: "evil", document: { s: evil } },
      ],
      [
        "config.v1.ConfigService/CreateConfig",
        { project, key: "refused", schema: "evil", content: { s: evil } },
      ],
      [
        "schema.v1.SchemaService/DryRunSchemaVersion",
        { project, name: "open", content: catastrophic },
      ],
      ["schema.v1.SchemaService/ValidateDocument", { project, name: "unique", document: distinct }],
      [
        "schema.v1.SchemaService/DryRunSchemaVersion",
        { project, name: "open", content: branching(12) },
      ],
    ];
    // The large request messages (a protobuf Struct or Value of 20,000 members) are decoded on
    // the server's decoding thread, and their documents reach the handlers as JSON text; the
    // calls still start 100 ms apart, so that the samples see each call's own work.
    const costly = () =>
      Promise.all(
        requests.map(async ([method, body], i) => {
          await sleep(100 * i);
          return call(`guardian.${method}`, body);
        }),
      );
    // Two rounds warm the process up: the first calls run through cold, unoptimized code and
    // start the worker threads, once per process.
    await costly();
    await costly();

    let pending = true;
    const calls = costly().finally(() => (pending = false));
    const samples: number[] = [];
    while (pending) {
      const started = performance.now();
      const res = await fetch(`${dev.url}/healthz`);
      await res.arrayBuffer();
      samples.push(performance.now() - started);
      expect(res.status).toBe(200);
      await sleep(10);
    }
    const [evilDoc, refused, dryRun, unique, branchingDryRun] = (await calls).map((r) => r.json);

    // The compile alone keeps the workers busy for seconds: the loop saw many answers.
    expect(samples.length).toBeGreaterThanOrEqual(10);
    // The bound the service promises; an idle /healthz answers in a few milliseconds.
    const shown = samples.map((ms) => ms.toFixed(0)).join(" ");
    expect(Math.max(...samples), `/healthz times in ms: ${shown}`).toBeLessThan(100);

    // proto3 JSON leaves `valid: false` out.
    expect(evilDoc.valid).toBeUndefined();
    expect(evilDoc.violations).toMatchObject([{ pointer: "/s", keyword: "pattern" }]);
    expect(refused.code).toBe("invalid_argument");
    expect(refused.message).toContain("/s: must match pattern");
    expect(dryRun).toMatchObject({ breakingCount: "1", checkedCount: "1" });
    expect(unique).toMatchObject({ valid: true });
    // The stored object has no "a": the tree's second branch accepts it.
    expect(branchingDryRun).toMatchObject({ checkedCount: "1", nextVersion: 2 });
    expect(branchingDryRun.breakingCount).toBeUndefined();
  }, 120_000);
});
