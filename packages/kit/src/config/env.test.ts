import { describe, expect, expectTypeOf, it } from "vitest";
import { ConfigError, describeConfig, readConfig } from "./env.js";
import { bool, int, oneOf, str, url } from "./fields.js";
import { bytes, duration, list } from "./unit-fields.js";

const spec = {
  port: int("GUARDIAN_PORT", { default: 8080, min: 0, max: 65535, description: "listen port" }),
  databaseUrl: url("DATABASE_URL", { protocols: ["postgres:", "postgresql:"], secret: true }),
  logLevel: oneOf("GUARDIAN_LOG_LEVEL", ["debug", "info", "warn", "error"], { default: "info" }),
  dataDir: str("GUARDIAN_DATA_DIR", { default: ".guardian/data" }),
  pretty: bool("GUARDIAN_LOG_PRETTY", { default: false }),
  maxRequestBytes: bytes("GUARDIAN_MAX_REQUEST_BYTES", { default: 4 * 1024 * 1024 }),
  tokenTtl: duration("GUARDIAN_TOKEN_TTL", { default: "15m" }),
  endpoints: list("ETCD_ENDPOINTS", { optional: true }),
};

function problemsOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      return err;
    }
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("readConfig", () => {
  it("applies defaults and leaves optional variables undefined", () => {
    const cfg = readConfig({ DATABASE_URL: "postgres://u:p@localhost:5432/guardian" }, spec);
    expect(cfg).toEqual({
      port: 8080,
      databaseUrl: "postgres://u:p@localhost:5432/guardian",
      logLevel: "info",
      dataDir: ".guardian/data",
      pretty: false,
      maxRequestBytes: 4 * 1024 * 1024,
      tokenTtl: 15 * 60_000,
      endpoints: undefined,
    });
  });

  it("infers the exact result type, with undefined only for optional fields", () => {
    const cfg = readConfig({ DATABASE_URL: "postgres://localhost/db" }, spec);
    expectTypeOf(cfg.port).toEqualTypeOf<number>();
    expectTypeOf(cfg.databaseUrl).toEqualTypeOf<string>();
    expectTypeOf(cfg.logLevel).toEqualTypeOf<"debug" | "info" | "warn" | "error">();
    expectTypeOf(cfg.pretty).toEqualTypeOf<boolean>();
    expectTypeOf(cfg.tokenTtl).toEqualTypeOf<number>();
    expectTypeOf(cfg.endpoints).toEqualTypeOf<string[] | undefined>();
  });

  it("parses every kind of value from the environment", () => {
    const cfg = readConfig(
      {
        GUARDIAN_PORT: "0",
        DATABASE_URL: "postgresql://db/guardian",
        GUARDIAN_LOG_LEVEL: "debug",
        GUARDIAN_DATA_DIR: " /var/lib/guardian ",
        GUARDIAN_LOG_PRETTY: "YES",
        GUARDIAN_MAX_REQUEST_BYTES: "512KiB",
        GUARDIAN_TOKEN_TTL: "1h30m",
        ETCD_ENDPOINTS: "http://a:2379, http://b:2379,,",
      },
      spec,
    );
    expect(cfg.port).toBe(0);
    expect(cfg.logLevel).toBe("debug");
    expect(cfg.dataDir).toBe("/var/lib/guardian");
    expect(cfg.pretty).toBe(true);
    expect(cfg.maxRequestBytes).toBe(512 * 1024);
    expect(cfg.tokenTtl).toBe(90 * 60_000);
    expect(cfg.endpoints).toEqual(["http://a:2379", "http://b:2379"]);
  });

  it("treats blank values as unset", () => {
    const cfg = readConfig(
      { DATABASE_URL: "postgres://db/x", GUARDIAN_PORT: "  ", ETCD_ENDPOINTS: "" },
      spec,
    );
    expect(cfg.port).toBe(8080);
    expect(cfg.endpoints).toBeUndefined();
  });

  it("collects every problem, naming each variable and what is wrong", () => {
    const err = problemsOf(() =>
      readConfig(
        {
          GUARDIAN_PORT: "abc",
          GUARDIAN_LOG_LEVEL: "loud",
          GUARDIAN_LOG_PRETTY: "maybe",
          GUARDIAN_MAX_REQUEST_BYTES: "4 lots",
          GUARDIAN_TOKEN_TTL: "soon",
        },
        spec,
      ),
    );
    expect(err.problems.map((p) => p.variable)).toEqual([
      "GUARDIAN_PORT",
      "DATABASE_URL",
      "GUARDIAN_LOG_LEVEL",
      "GUARDIAN_LOG_PRETTY",
      "GUARDIAN_MAX_REQUEST_BYTES",
      "GUARDIAN_TOKEN_TTL",
    ]);
    expect(err.message).toContain(
      'GUARDIAN_PORT: expected an integer between 0 and 65535, got "abc"',
    );
    expect(err.message).toContain("DATABASE_URL: required but not set");
    expect(err.message).toContain(
      'GUARDIAN_LOG_LEVEL: expected one of debug, info, warn, error, got "loud"',
    );
    expect(err.message).toContain("GUARDIAN_LOG_PRETTY: expected a boolean");
    expect(err.message).toContain("GUARDIAN_MAX_REQUEST_BYTES: expected a byte size");
    expect(err.message).toContain("GUARDIAN_TOKEN_TTL: expected a duration");
  });

  it("rejects integers outside the range and non-integers", () => {
    for (const bad of ["65536", "-1", "80.5", "1e3", "0x50"]) {
      const err = problemsOf(() => readConfig({ GUARDIAN_PORT: bad }, { port: spec.port }));
      expect(err.problems).toEqual([
        {
          variable: "GUARDIAN_PORT",
          problem: `expected an integer between 0 and 65535, got ${JSON.stringify(bad)}`,
        },
      ]);
    }
  });

  it("hides the value of secret fields in error messages", () => {
    const err = problemsOf(() =>
      readConfig({ DATABASE_URL: "mysql://root:hunter2@db/x" }, { db: spec.databaseUrl }),
    );
    expect(err.message).toContain(
      "DATABASE_URL: expected an absolute URL with scheme postgres or postgresql, got (value hidden)",
    );
    expect(err.message).not.toContain("hunter2");
  });

  it("reads an optional variable when it is set", () => {
    const cfg = readConfig({ N: "7" }, { n: int("N", { optional: true }) });
    expectTypeOf(cfg.n).toEqualTypeOf<number | undefined>();
    expect(cfg.n).toBe(7);
  });

  it("rejects an invalid default when the field is declared", () => {
    expect(() => duration("X", { default: "forever" })).toThrow(/X: invalid default "forever"/);
  });
});

describe("describeConfig", () => {
  it("lists every variable with whether it is required, its default and its description", () => {
    const vars = describeConfig(spec);
    expect(vars.map((v) => v.name)).toEqual([
      "GUARDIAN_PORT",
      "DATABASE_URL",
      "GUARDIAN_LOG_LEVEL",
      "GUARDIAN_DATA_DIR",
      "GUARDIAN_LOG_PRETTY",
      "GUARDIAN_MAX_REQUEST_BYTES",
      "GUARDIAN_TOKEN_TTL",
      "ETCD_ENDPOINTS",
    ]);
    expect(vars[0]).toEqual({
      name: "GUARDIAN_PORT",
      required: false,
      default: "8080",
      description: "listen port",
    });
    expect(vars[1]).toMatchObject({ name: "DATABASE_URL", required: true, default: undefined });
    expect(vars[5]).toMatchObject({ default: "4MiB" });
    expect(vars[6]).toMatchObject({ name: "GUARDIAN_TOKEN_TTL", default: "15m" });
    expect(vars[7]).toMatchObject({ name: "ETCD_ENDPOINTS", required: false });
  });
});
