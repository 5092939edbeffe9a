import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, createClient, type CallOptions, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  ApiKeyScope,
  ApplyOutcome,
  AuthService,
  BadRequestSchema,
  ConfigService,
  SchemaService,
} from "@guardian/api";
import {
  bootstrapPassword,
  failureOf,
  startDev,
  stopGuardian,
  waitFor,
  type RunningGuardian,
} from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Every call below comes from one address in quick succession: rate limits out of the way.
const unlimited = ["user", "api_key", "remote_address"].reduce(
  (yaml, key) =>
    `${yaml}  - key: ${key}\n    rate_limit: { unit: second, requests_per_unit: 1000000 }\n`,
  "domain: guardian\ndescriptors:\n",
);

const { APPLIED, REJECTED } = ApplyOutcome;

describe("apply reports against guardian dev", () => {
  let dataDir = "";
  let dev: RunningGuardian | undefined;
  let config: Client<typeof ConfigService>;
  let admin: CallOptions = {};
  let reader: CallOptions = {};
  const versions: Record<string, bigint> = {};

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "guardian-apply-reports-"));
    const limits = join(dataDir, "limits.yaml");
    await writeFile(limits, unlimited);
    // A short TTL, so that an instance that stops reporting ages out within the test.
    dev = await startDev(dataDir, {
      GUARDIAN_RATELIMIT_CONFIG: limits,
      GUARDIAN_INSTANCE_TTL: "3s",
    });
    const transport = createConnectTransport({ baseUrl: dev.url, httpVersion: "1.1" });
    const auth = createClient(AuthService, transport);
    config = createClient(ConfigService, transport);
    const login = await auth.login({
      username: "admin",
      password: bootstrapPassword(dev.output()),
    });
    admin = { headers: { authorization: `Bearer ${login.tokens?.accessToken ?? ""}` } };
    await config.createProject({ project: "fleet" }, admin);
    await createClient(SchemaService, transport).createSchema(
      { project: "fleet", name: "doc", content: { type: "object" } },
      admin,
    );
    for (const key of ["svc/a", "svc/b", "other/c"]) {
      const made = await config.createConfig(
        { project: "fleet", key, schema: "doc", content: fromJson(ValueSchema, { n: 1 }) },
        admin,
      );
      versions[key] = made.revision;
    }
    const updated = await config.updateConfig(
      { project: "fleet", key: "svc/a", content: fromJson(ValueSchema, { n: 2 }) },
      admin,
    );
    versions["svc/a@2"] = updated.revision;
    const key = await auth.createApiKey(
      { project: "fleet", name: "agents", scope: ApiKeyScope.READ, keyPrefix: "svc" },
      admin,
    );
    reader = { headers: { "x-api-key": key.secret } };
  }, 120_000);

  afterAll(async () => {
    if (dev) await stopGuardian(dev);
    await rm(dataDir, { recursive: true, force: true });
  });

  const reportWeb1 = () =>
    config.reportConfigStatus(
      {
        project: "fleet",
        instanceId: "web-1",
        labels: { host: "web-1" },
        statuses: [
          { key: "svc/a", version: versions["svc/a@2"]!, outcome: APPLIED },
          { key: "svc/b", version: versions["svc/b"]!, outcome: APPLIED },
        ],
      },
      reader,
    );

  const listed = async () => {
    const res = await config.listConfigInstances({ project: "fleet", pageSize: 1000 }, admin);
    return res;
  };

  it("records what two instances applied and rejected, reported with a read-scoped API key", async () => {
    const res = await reportWeb1();
    expect(res.instanceTtl?.seconds).toBe(3n);
    await config.reportConfigStatus(
      {
        project: "fleet",
        instanceId: "web-2",
        statuses: [
          { key: "svc/a", version: versions["svc/a@2"]!, outcome: REJECTED, reason: "n > 1" },
          { key: "svc/b", version: versions["svc/b"]!, outcome: APPLIED },
        ],
      },
      reader,
    );
    const list = await listed();
    expect(
      list.instances.map((i) => [i.key, i.instanceId, i.version, i.outcome, i.reason, i.current]),
    ).toEqual([
      ["svc/a", "web-1", versions["svc/a@2"], APPLIED, "", true],
      ["svc/a", "web-2", versions["svc/a@2"], REJECTED, "n > 1", false],
      ["svc/b", "web-1", versions["svc/b"], APPLIED, "", true],
      ["svc/b", "web-2", versions["svc/b"], APPLIED, "", true],
    ]);
    expect(list.configs.map((c) => [c.key, c.currentCount, c.rejectedCount])).toEqual([
      ["svc/a", 1n, 1n],
      ["svc/b", 2n, 0n],
    ]);
  });

  it("refuses bad input with InvalidArgument naming the field", async () => {
    const err = await failureOf(
      config.reportConfigStatus(
        {
          project: "fleet",
          instanceId: "web 1",
          statuses: [{ key: "svc/a", version: 0n, outcome: APPLIED }],
        },
        reader,
      ),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    const fields = err
      .findDetails(BadRequestSchema)
      .flatMap((d) => d.fieldViolations.map((v) => v.field));
    expect(fields).toEqual(["instance_id", "statuses[0].version"]);
  });

  it("refuses a key outside the API key's key prefix with PermissionDenied", async () => {
    const err = await failureOf(
      config.reportConfigStatus(
        {
          project: "fleet",
          instanceId: "web-1",
          statuses: [
            { key: "svc/b", version: versions["svc/b"]!, outcome: APPLIED },
            { key: "other/c", version: versions["other/c"]!, outcome: APPLIED },
          ],
        },
        reader,
      ),
    );
    expect(err.code).toBe(Code.PermissionDenied);
  });

  it("leaves out an instance that stops reporting once the TTL passes", async () => {
    await waitFor(
      async () => {
        // web-1 keeps reporting; web-2 has stopped.
        await reportWeb1();
        const ids = new Set((await listed()).instances.map((i) => i.instanceId));
        return ids.has("web-1") && !ids.has("web-2") ? true : undefined;
      },
      {
        what: "web-2 to age out",
        timeoutMs: 30_000,
        intervalMs: 500,
        details: () => dev?.output() ?? "",
      },
    );
    const list = await listed();
    expect(list.configs.map((c) => [c.key, c.instanceCount, c.currentCount])).toEqual([
      ["svc/a", 1n, 1n],
      ["svc/b", 1n, 1n],
    ]);
  });
});
