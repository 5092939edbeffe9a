import { ApplyOutcome } from "@guardian/api";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { put, seedProject, startDevServer, type DevServer } from "./testing/dev-server.js";

describe("the status reporter (a real guardian dev)", () => {
  let server: DevServer;

  beforeAll(async () => {
    server = await startDevServer({ GUARDIAN_INSTANCE_TTL: "3s" });
    await seedProject(server.admin, "fleet");
  }, 60_000);

  afterAll(() => server?.dispose());

  it("reports applied and rejected versions, drops gone configs, and keeps the instance listed", async () => {
    const { admin } = server;
    const a = await put(admin, "fleet", "eu/a", 1);
    const b = await put(admin, "fleet", "eu/b", 1);
    const gone = await put(admin, "fleet", "eu/gone", 1);
    await admin.config.deleteConfig({ project: "fleet", key: "eu/gone" });
    const warnings: string[] = [];
    const reporter = admin.reporter({
      project: "fleet",
      instanceId: "web-1",
      labels: { host: "h1" },
      delayMs: 20,
      logger: { warn: (m) => warnings.push(m) },
    });
    try {
      reporter.applied("eu/a", a);
      reporter.rejected("eu/b", b, "needs a newer client");
      reporter.applied("eu/gone", gone);
      await reporter.flush();

      const listed = async () =>
        (await admin.config.listConfigInstances({ project: "fleet" })).instances.map((i) => ({
          key: i.key,
          instance: i.instanceId,
          version: i.version,
          outcome: i.outcome,
          reason: i.reason,
          labels: i.labels,
        }));
      const expected = [
        {
          key: "eu/a",
          instance: "web-1",
          version: a,
          outcome: ApplyOutcome.APPLIED,
          reason: "",
          labels: { host: "h1" },
        },
        {
          key: "eu/b",
          instance: "web-1",
          version: b,
          outcome: ApplyOutcome.REJECTED,
          reason: "needs a newer client",
          labels: { host: "h1" },
        },
      ];
      expect(await listed()).toEqual(expected);

      // The server's TTL is 3 s: the reporter reports again every second, so the instance
      // is still listed well after the TTL has passed since the first report.
      await sleep(4_500);
      expect(await listed()).toEqual(expected);
      expect(warnings).toEqual([]);
    } finally {
      await reporter.close();
    }
    // Once closed it stops reporting, and the instance ages out.
    await sleep(4_500);
    expect((await admin.config.listConfigInstances({ project: "fleet" })).instances).toEqual([]);
  }, 60_000);

  it("rejects flush with the server's error for a project that does not exist", async () => {
    const reporter = server.admin.reporter({
      project: "no-such-project",
      instanceId: "web-2",
      logger: { warn: () => {} },
    });
    reporter.applied("k", 1n);
    await expect(reporter.flush()).rejects.toMatchObject({ code: 5 });
    await reporter.close();
  }, 30_000);
});
