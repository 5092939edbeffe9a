import { Code, type ConnectError } from "@connectrpc/connect";
import { ApplyOutcome, BadRequestSchema, LimitExceededSchema } from "@guardian/api";
import { failureOf } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { sweepInstances } from "../instances/sweep.js";
import { apiKey, json, newProject } from "../testing/fixtures.js";
import { as, useHarness, type Harness } from "../testing/harness.js";

const h = useHarness();
const { APPLIED, REJECTED } = ApplyOutcome;

/** Creates configs with the given keys and returns their versions by key. */
async function seedConfigs(project: string, keys: string[]): Promise<Record<string, bigint>> {
  const out: Record<string, bigint> = {};
  for (const key of keys) {
    const res = await h.config.createConfig({ project, key, schema: "any", content: json(1) });
    out[key] = res.revision;
  }
  return out;
}

async function update(project: string, key: string, value: number): Promise<bigint> {
  return (await h.config.updateConfig({ project, key, content: json(value) })).revision;
}

/** Makes an instance's last report `ms` older than it is, as if time had passed. */
async function age(project: string, instanceId: string, ms: number): Promise<void> {
  await h.pool.query(
    `UPDATE config_instances SET last_report_at = last_report_at - $3 * interval '1 millisecond'
     WHERE project = $1 AND instance_id = $2`,
    [project, instanceId, ms],
  );
}

function fieldsOf(err: ConnectError): string[] {
  return err.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => v.field));
}

async function statusRows(c: Harness["config"], project: string) {
  const res = await c.listConfigInstances({ project, pageSize: 1000 });
  return res.instances.map((i) => [i.key, i.instanceId, i.version, i.outcome, i.reason, i.current]);
}

describe("ReportConfigStatus and ListConfigInstances", () => {
  it("records applied and rejected versions per instance and summarizes convergence", async () => {
    const p = await newProject(h);
    const v = await seedConfigs(p, ["app/a", "app/b"]);
    const a2 = await update(p, "app/a", 2);
    const res = await h.config.reportConfigStatus({
      project: p,
      instanceId: "web-1",
      labels: { host: "web-1", zone: "eu-1" },
      statuses: [
        { key: "app/a", version: a2, outcome: APPLIED },
        { key: "app/b", version: v["app/b"]!, outcome: APPLIED },
      ],
    });
    expect(res.instanceTtl?.seconds).toBe(600n);
    expect(res.reportTime).toBeDefined();
    await h.config.reportConfigStatus({
      project: p,
      instanceId: "web-2",
      statuses: [
        { key: "app/a", version: v["app/a"]!, outcome: APPLIED },
        { key: "app/b", version: v["app/b"]!, outcome: REJECTED, reason: "port 80 is taken" },
      ],
    });
    expect(await statusRows(h.config, p)).toEqual([
      ["app/a", "web-1", a2, APPLIED, "", true],
      ["app/a", "web-2", v["app/a"], APPLIED, "", false],
      ["app/b", "web-1", v["app/b"], APPLIED, "", true],
      ["app/b", "web-2", v["app/b"], REJECTED, "port 80 is taken", false],
    ]);
    const list = await h.config.listConfigInstances({ project: p });
    expect(list.instances[0]?.labels).toEqual({ host: "web-1", zone: "eu-1" });
    expect(list.configs.map((c) => ({ ...c, $typeName: undefined }))).toEqual([
      expect.objectContaining({
        key: "app/a",
        currentVersion: a2,
        instanceCount: 2n,
        currentCount: 1n,
        laggingCount: 1n,
        rejectedCount: 0n,
      }),
      expect.objectContaining({
        key: "app/b",
        currentVersion: v["app/b"],
        instanceCount: 2n,
        currentCount: 1n,
        laggingCount: 0n,
        rejectedCount: 1n,
      }),
    ]);
    const one = await h.config.listConfigInstances({
      project: p,
      target: { case: "key", value: "app/b" },
    });
    expect(one.instances.map((i) => i.instanceId)).toEqual(["web-1", "web-2"]);
    expect(one.configs.map((c) => c.key)).toEqual(["app/b"]);
  });

  it("is idempotent per instance and key, and a later report replaces the status", async () => {
    const p = await newProject(h);
    const v = await seedConfigs(p, ["k"]);
    const report = {
      project: p,
      instanceId: "agent-7",
      statuses: [{ key: "k", version: v["k"]!, outcome: APPLIED }],
    };
    await h.config.reportConfigStatus(report);
    await h.config.reportConfigStatus(report);
    expect(await statusRows(h.config, p)).toEqual([["k", "agent-7", v["k"], APPLIED, "", true]]);
    const v2 = await update(p, "k", 5);
    await h.config.reportConfigStatus({
      ...report,
      statuses: [{ key: "k", version: v2, outcome: REJECTED, reason: "too big" }],
    });
    expect(await statusRows(h.config, p)).toEqual([
      ["k", "agent-7", v2, REJECTED, "too big", false],
    ]);
  });

  it("names every malformed field with InvalidArgument and records nothing", async () => {
    const p = await newProject(h);
    const v = await seedConfigs(p, ["k"]);
    const err = await failureOf(
      h.config.reportConfigStatus({
        project: p,
        instanceId: "bad id!",
        labels: { "Bad Key": "x" },
        statuses: [
          { key: "k", version: v["k"]!, outcome: ApplyOutcome.UNSPECIFIED },
          { key: "/k", version: 0n, outcome: REJECTED },
          { key: "k", version: v["k"]!, outcome: APPLIED, reason: "x".repeat(1001) },
        ],
      }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(fieldsOf(err)).toEqual([
      "instance_id",
      "labels",
      "statuses[0].outcome",
      "statuses[1].key",
      "statuses[1].version",
      "statuses[1].reason",
      "statuses[2].key",
      "statuses[2].reason",
    ]);
    const empty = await failureOf(
      h.config.reportConfigStatus({ project: p, instanceId: "i", statuses: [] }),
    );
    expect(fieldsOf(empty)).toEqual(["statuses"]);
    const long = await failureOf(
      h.config.reportConfigStatus({
        project: p,
        instanceId: "i",
        statuses: [{ key: "k", version: v["k"]!, outcome: REJECTED, reason: "r".repeat(1001) }],
      }),
    );
    expect(fieldsOf(long)).toEqual(["statuses[0].reason"]);
    // A later write elsewhere: the store has passed k's version + 1, which is not k's.
    await seedConfigs(p, ["other"]);
    const future = await failureOf(
      h.config.reportConfigStatus({
        project: p,
        instanceId: "i",
        statuses: [{ key: "k", version: v["k"]! + 1n, outcome: APPLIED }],
      }),
    );
    expect(future.code).toBe(Code.InvalidArgument);
    expect(fieldsOf(future)).toEqual(["statuses[0].version"]);
    const beyond = await failureOf(
      h.config.reportConfigStatus({
        project: p,
        instanceId: "i",
        statuses: [{ key: "k", version: 1_000_000_000n, outcome: APPLIED }],
      }),
    );
    expect(beyond.code).toBe(Code.OutOfRange);
    expect(await statusRows(h.config, p)).toEqual([]);
  });

  it("refuses more statuses than one report may carry with ResourceExhausted", async () => {
    const p = await newProject(h);
    const statuses = Array.from({ length: 101 }, (_, i) => ({
      key: `k${i}`,
      version: 1n,
      outcome: APPLIED,
    }));
    const err = await failureOf(
      h.config.reportConfigStatus({ project: p, instanceId: "i", statuses }),
    );
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.findDetails(LimitExceededSchema)[0]).toMatchObject({
      limit: "statuses_per_report",
      max: 100n,
      actual: 101n,
    });
  });

  it("answers NotFound for an unknown project and for a key that is not a config", async () => {
    const p = await newProject(h);
    const v = await seedConfigs(p, ["k"]);
    const noProject = await failureOf(
      h.config.reportConfigStatus({
        project: "no-such-project",
        instanceId: "i",
        statuses: [{ key: "k", version: 1n, outcome: APPLIED }],
      }),
    );
    expect(noProject.code).toBe(Code.NotFound);
    expect(noProject.rawMessage).toContain('project "no-such-project"');
    const noKey = await failureOf(
      h.config.reportConfigStatus({
        project: p,
        instanceId: "i",
        statuses: [
          { key: "k", version: v["k"]!, outcome: APPLIED },
          { key: "gone", version: 1n, outcome: APPLIED },
        ],
      }),
    );
    expect(noKey.code).toBe(Code.NotFound);
    expect(noKey.rawMessage).toContain('config "gone"');
    expect(await statusRows(h.config, p)).toEqual([]);
    const list = await failureOf(h.config.listConfigInstances({ project: "no-such-project" }));
    expect(list.code).toBe(Code.NotFound);
  });

  it("lets an API key report only for keys inside its key prefix", async () => {
    const p = await newProject(h);
    const v = await seedConfigs(p, ["eu/a", "us/a"]);
    const key = as(apiKey(p, "eu"));
    await h.config.reportConfigStatus(
      {
        project: p,
        instanceId: "i",
        statuses: [{ key: "eu/a", version: v["eu/a"]!, outcome: APPLIED }],
      },
      key,
    );
    const err = await failureOf(
      h.config.reportConfigStatus(
        {
          project: p,
          instanceId: "i",
          statuses: [
            { key: "eu/a", version: v["eu/a"]!, outcome: APPLIED },
            { key: "us/a", version: v["us/a"]!, outcome: APPLIED },
          ],
        },
        key,
      ),
    );
    expect(err.code).toBe(Code.PermissionDenied);
    expect(await statusRows(h.config, p)).toEqual([["eu/a", "i", v["eu/a"], APPLIED, "", true]]);
  });

  it("holds a project to its limit of live instances; aged-out ones do not count", async () => {
    const p = await newProject(h);
    const v = await seedConfigs(p, ["k"]);
    const c = h.configWith({ maxInstancesPerProject: 2 });
    const report = (instanceId: string) =>
      c.reportConfigStatus({
        project: p,
        instanceId,
        statuses: [{ key: "k", version: v["k"]!, outcome: APPLIED }],
      });
    await report("a");
    await report("b");
    const err = await failureOf(report("c"));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.findDetails(LimitExceededSchema)[0]).toMatchObject({
      limit: "instances_per_project",
      max: 2n,
      actual: 3n,
    });
    await report("a");
    await age(p, "b", 11 * 60_000);
    await report("c");
    expect((await statusRows(c, p)).map((r) => r[1])).toEqual(["a", "c"]);
  });

  it("leaves aged-out instances out at once, sweeps them, and starts them afresh", async () => {
    const p = await newProject(h);
    const v = await seedConfigs(p, ["k", "l"]);
    const c = h.configWith({ instanceTtlMs: 60_000 });
    await c.reportConfigStatus({
      project: p,
      instanceId: "old",
      statuses: [
        { key: "k", version: v["k"]!, outcome: APPLIED },
        { key: "l", version: v["l"]!, outcome: APPLIED },
      ],
    });
    await c.reportConfigStatus({
      project: p,
      instanceId: "new",
      statuses: [{ key: "k", version: v["k"]!, outcome: APPLIED }],
    });
    await age(p, "old", 61_000);
    expect((await statusRows(c, p)).map((r) => r[1])).toEqual(["new"]);
    const list = await c.listConfigInstances({ project: p });
    expect(list.configs.map((s) => [s.key, s.instanceCount])).toEqual([["k", 1n]]);
    expect(
      await sweepInstances({
        pool: h.pool,
        ttlMs: 60_000,
        batchSize: 1,
        signal: new AbortController().signal,
      }),
    ).toBeGreaterThanOrEqual(1);
    const left = await h.pool.query(
      "SELECT instance_id FROM config_instance_statuses WHERE project = $1",
      [p],
    );
    expect(left.rows).toEqual([{ instance_id: "new" }]);
    await c.reportConfigStatus({
      project: p,
      instanceId: "old",
      statuses: [{ key: "l", version: v["l"]!, outcome: APPLIED }],
    });
    expect((await statusRows(c, p)).map((r) => [r[0], r[1]])).toEqual([
      ["k", "new"],
      ["l", "old"],
    ]);
  });

  it("pages by key and instance, filters by prefix, and binds page tokens to the request", async () => {
    const p = await newProject(h);
    const v = await seedConfigs(p, ["eu/a", "eu/b", "us/a"]);
    for (const id of ["i1", "i2"]) {
      await h.config.reportConfigStatus({
        project: p,
        instanceId: id,
        statuses: Object.entries(v).map(([key, version]) => ({ key, version, outcome: APPLIED })),
      });
    }
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await h.config.listConfigInstances({
        project: p,
        target: { case: "prefix", value: "eu/" },
        pageSize: 3,
        pageToken,
      });
      seen.push(...page.instances.map((i) => `${i.key}@${i.instanceId}`));
      for (const c of page.configs) expect(c.instanceCount).toBe(2n);
      pageToken = page.nextPageToken;
      if (pageToken) {
        const err = await failureOf(
          h.config.listConfigInstances({ project: p, pageSize: 3, pageToken }),
        );
        expect(fieldsOf(err)).toEqual(["page_token"]);
      }
    } while (pageToken);
    expect(seen).toEqual(["eu/a@i1", "eu/a@i2", "eu/b@i1", "eu/b@i2"]);
  });
});
