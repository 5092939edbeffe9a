import { afterAll, describe, expect, it } from "vitest";
import {
  RateLimitResponse_Code as Code,
  RateLimitResponse_RateLimit_Unit as Unit,
  type RateLimitResponse,
} from "../gen/envoy/service/ratelimit/v3/rls_pb.js";
import { loadLimits } from "../limits/load.js";
import { rlsRequest, startRlsServer, type RlsHarness } from "../testing/rls-server.js";
import { testdata } from "../testing/testdata.js";

// Each file of testdata/envoy-format is a limits file in envoyproxy/ratelimit's format; each
// block serves it from a real server over Redis and asks ShouldRateLimit over gRPC.

const harnesses: RlsHarness[] = [];

afterAll(async () => {
  for (const h of harnesses) await h.close();
});

async function serve(file: string) {
  const h = await startRlsServer(await loadLimits(testdata(file)));
  harnesses.push(h);
  return h;
}

type Entries = (readonly [string, string])[];

/** Asks once; returns the response. */
function asker(h: RlsHarness, domain: string) {
  return (...descriptors: Entries[]) => h.client.shouldRateLimit(rlsRequest(domain, descriptors));
}

/** What a status says: code, limit name and size, requests left. */
function statuses(res: RateLimitResponse) {
  return res.statuses.map((s) => ({
    code: s.code,
    limit: s.currentLimit && `${s.currentLimit.name} ${s.currentLimit.requestsPerUnit}`,
    remaining: s.limitRemaining,
  }));
}

const unlimitedRemaining = 4_294_967_295;
const notLimited = { code: Code.OK, limit: undefined, remaining: 0 };

describe("nested descriptors (nested.yaml)", () => {
  it("limits by the node the last entry reaches, and not past the tree", async () => {
    const ask = asker(await serve("envoy-format/nested.yaml"), "inventory");
    expect(statuses(await ask([["tenant", "a"]]))).toEqual([
      { code: Code.OK, limit: "tenant 4", remaining: 3 },
    ]);
    const route = await ask([
      ["tenant", "a"],
      ["route", "/x"],
    ]);
    expect(statuses(route)).toEqual([{ code: Code.OK, limit: "tenant.route 2", remaining: 1 }]);
    expect(route.statuses[0]?.currentLimit?.unit).toBe(Unit.MINUTE);
    for (const d of [
      [
        ["tenant", "a"],
        ["route", "/health"],
      ],
      [
        ["region", "eu"],
        ["tenant", "other"],
      ],
      [["region", "eu"]],
      [
        ["tenant", "a"],
        ["route", "/x"],
        ["method", "GET"],
      ],
      [["warehouse", "w1"]],
    ] as Entries[]) {
      expect(statuses(await ask(d)), JSON.stringify(d)).toEqual([notLimited]);
    }
    const acme: Entries = [
      ["region", "eu"],
      ["tenant", "acme"],
    ];
    expect(statuses(await ask(acme))).toEqual([
      { code: Code.OK, limit: "region.tenant=acme 1", remaining: 0 },
    ]);
    const over = await ask(acme);
    expect(over.overallCode).toBe(Code.OVER_LIMIT);
    const retry = over.responseHeadersToAdd.find((x) => x.key === "retry-after");
    expect(Math.round(Number(retry?.value) / 60)).toBe(60);
  });
});

describe("values (values.yaml)", () => {
  it("prefers the exact value, exempts a value node without a limit, ignores unknown keys", async () => {
    const ask = asker(await serve("envoy-format/values.yaml"), "messaging");
    expect(statuses(await ask([["to_number", "2065550100"]]))).toEqual([
      { code: Code.OK, limit: "to_number=2065550100 1", remaining: 0 },
    ]);
    expect((await ask([["to_number", "2065550100"]])).overallCode).toBe(Code.OVER_LIMIT);
    expect(statuses(await ask([["to_number", "2065550199"]]))).toEqual([
      { code: Code.OK, limit: "to_number 3", remaining: 2 },
    ]);
    for (let i = 0; i < 5; i++) {
      expect(statuses(await ask([["to_number", "911"]]))).toEqual([notLimited]);
    }
    const marketing = await ask([
      ["message_type", "marketing"],
      ["to_number", "2065550199"],
    ]);
    expect(statuses(marketing)).toEqual([
      { code: Code.OK, limit: "message_type=marketing.to_number 2", remaining: 1 },
    ]);
    const other = await ask(
      [
        ["message_type", "transactional"],
        ["to_number", "2065550199"],
      ],
      [["unknown", "x"]],
    );
    expect(statuses(other)).toEqual([notLimited, notLimited]);
  });
});

describe("wildcards (wildcards.yaml)", () => {
  it("matches exact, then the first wildcard in file order, then the key only", async () => {
    const ask = asker(await serve("envoy-format/wildcards.yaml"), "files");
    const limitOf = async (path: string) => statuses(await ask([["path", path]]))[0]?.limit;
    expect(await limitOf("/files/public/readme")).toBe("path=/files/public/readme 10");
    expect(await limitOf("/files/public/logo.png")).toBe("path=/files/* 2");
    expect(await limitOf("/files/")).toBe("path=/files/* 2");
    expect(await limitOf("/api/v1/orders/42")).toBe("path=/api/*/orders/* 3");
    expect(await limitOf("/api/v2/orders/")).toBe("path=/api/*/orders/* 3");
    expect(await limitOf("/api/orders/")).toBe("path 7");
    expect(await limitOf("/api/v1/orders")).toBe("path 7");
    expect(await limitOf("/files")).toBe("path 7");
  });

  it("keeps one bucket per matching value", async () => {
    const ask = asker(await serve("envoy-format/wildcards.yaml"), "files");
    await ask([["path", "/files/a"]]);
    await ask([["path", "/files/a"]]);
    expect((await ask([["path", "/files/a"]])).overallCode).toBe(Code.OVER_LIMIT);
    expect(statuses(await ask([["path", "/files/b"]]))[0]?.remaining).toBe(1);
  });
});

describe("replaces (replaces.yaml)", () => {
  it("drops a replaced limit from requests that match the replacing one, without charging it", async () => {
    const ask = asker(await serve("envoy-format/replaces.yaml"), "editor");
    const write: Entries = [
      ["user", "u1"],
      ["action", "write"],
    ];
    for (let i = 0; i < 3; i++) {
      const res = await ask(write, [["path", "/drafts"]]);
      expect(res.overallCode).toBe(Code.OK);
      expect(statuses(res)).toEqual([
        notLimited,
        { code: Code.OK, limit: "drafts 5", remaining: 4 - i },
      ]);
    }
    // The writes bucket was not charged by the three requests above.
    expect(statuses(await ask(write))).toEqual([
      { code: Code.OK, limit: "writes 2", remaining: 1 },
    ]);
    await ask(write);
    expect((await ask(write)).overallCode).toBe(Code.OVER_LIMIT);
  });
});

describe("shadow mode (shadow.yaml)", () => {
  it("answers OK over a shadow limit, reports it, and still enforces the others", async () => {
    const h = await serve("envoy-format/shadow.yaml");
    const ask = asker(h, "search");
    expect(statuses(await ask([["query", "cats"]]))).toEqual([
      { code: Code.OK, limit: "query 1", remaining: 0 },
    ]);
    for (let i = 0; i < 3; i++) {
      const res = await ask([["client", "c1"]], [["query", "cats"]]);
      expect(res.overallCode).toBe(Code.OK);
      expect(statuses(res)[1]).toEqual({ code: Code.OK, limit: "query 1", remaining: 0 });
      expect(res.responseHeadersToAdd).toEqual([]);
    }
    expect((await ask([["client", "c1"]], [["query", "cats"]])).overallCode).toBe(Code.OVER_LIMIT);
    const metrics = await h.metrics();
    // Four requests found the shadow bucket empty, the last one also rejected by client.
    expect(metrics).toContain(
      'guardian_ratelimit_shadow_over_limit_total{domain="search",limit="query"} 4',
    );
    expect(metrics).toContain(
      'guardian_ratelimit_decisions_total{domain="search",limit="query",code="ok"} 5',
    );
    expect(metrics).toContain(
      'guardian_ratelimit_decisions_total{domain="search",limit="client",code="over_limit"} 1',
    );
  });
});

describe("unlimited (unlimited.yaml)", () => {
  it("never limits an unlimited match and answers the largest limit_remaining", async () => {
    const ask = asker(await serve("envoy-format/unlimited.yaml"), "edge");
    for (let i = 0; i < 5; i++) {
      expect(statuses(await ask([["remote_address", "10.1.2.3"]]))).toEqual([
        { code: Code.OK, limit: undefined, remaining: unlimitedRemaining },
      ]);
    }
    expect(statuses(await ask([["remote_address", "192.0.2.1"]]))).toEqual([
      { code: Code.OK, limit: "per-address 2", remaining: 1 },
    ]);
  });

  it("lets an unlimited limit replace a limited one", async () => {
    const ask = asker(await serve("envoy-format/unlimited.yaml"), "edge");
    for (let i = 0; i < 4; i++) {
      const res = await ask([["remote_address", "192.0.2.9"]], [["partner", "trusted"]]);
      expect(statuses(res)).toEqual([
        notLimited,
        { code: Code.OK, limit: undefined, remaining: unlimitedRemaining },
      ]);
    }
  });
});

describe("detailed metrics (detailed-metric.yaml)", () => {
  it("reports each value of a detailed_metric limit, and the node of the others", async () => {
    const h = await serve("envoy-format/detailed-metric.yaml");
    const ask = asker(h, "billing");
    await ask([["user", "alice"]], [["account", "a1"]]);
    await ask([["user", "bob"]], [["account", "a2"]]);
    await ask([["user", "alice"]]);
    const metrics = await h.metrics();
    expect(metrics).toContain(
      'guardian_ratelimit_decisions_total{domain="billing",limit="user=alice",code="ok"} 2',
    );
    expect(metrics).toContain(
      'guardian_ratelimit_decisions_total{domain="billing",limit="user=bob",code="ok"} 1',
    );
    expect(metrics).toContain(
      'guardian_ratelimit_decisions_total{domain="billing",limit="account",code="ok"} 2',
    );
    expect(metrics).not.toContain("a1");
  });
});

describe("units (units.yaml)", () => {
  it("accepts every unit in any case and reports it, and a limit of 0 rejects", async () => {
    const ask = asker(await serve("envoy-format/units.yaml"), "units");
    const want: [string, Unit, number][] = [
      ["second", Unit.SECOND, 1],
      ["minute", Unit.MINUTE, 60],
      ["hour", Unit.HOUR, 3_600],
      ["day", Unit.DAY, 86_400],
      ["month", Unit.MONTH, 30 * 86_400],
      ["year", Unit.YEAR, 365 * 86_400],
    ];
    for (const [value, unit, seconds] of want) {
      const status = (await ask([["unit", value]])).statuses[0];
      expect(status?.currentLimit?.unit, value).toBe(unit);
      expect(Number(status?.durationUntilReset?.seconds), value).toBe(seconds);
    }
    const never = await ask([["unit", "never"]]);
    expect(never.overallCode).toBe(Code.OVER_LIMIT);
    expect(statuses(never)).toEqual([
      { code: Code.OVER_LIMIT, limit: "unit=never 0", remaining: 0 },
    ]);
    expect(never.responseHeadersToAdd.map((x) => [x.key, x.value])).toEqual([["retry-after", "1"]]);
  });
});

describe("a directory of domain files (domains/)", () => {
  it("serves every domain of the directory's YAML files", async () => {
    const limits = await loadLimits(testdata("domains"));
    expect(limits.map((l) => l.domain)).toEqual(["internal", "public"]);
    const h = await startRlsServer(limits);
    harnesses.push(h);
    const address: Entries = [["remote_address", "198.51.100.1"]];
    expect(statuses(await asker(h, "public")(address))[0]?.limit).toBe("remote_address 1");
    expect(statuses(await asker(h, "internal")(address))).toEqual([
      { code: Code.OK, limit: "remote_address 3", remaining: 2 },
    ]);
    expect(statuses(await asker(h, "other")(address))).toEqual([notLimited]);
  });
});
