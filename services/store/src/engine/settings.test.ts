import { ConfigError, createLogger, readConfig } from "@guardian/kit";
import { useTestDatabase } from "@guardian/testkit";
import { describe, expect, inject, it } from "vitest";
import { createEngineFromSettings, storeEngineSettings } from "./settings.js";

const db = useTestDatabase();
const logger = createLogger({ level: "silent" });

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.variable}: ${p.problem}`);
    throw err;
  }
  return [];
}

describe("store engine settings", () => {
  it("defaults to the SQL engine keeping 100 revisions per config", () => {
    const s = readConfig({}, storeEngineSettings);
    expect([s.storeEngine, s.retainPerConfig, s.etcdEndpoints]).toEqual(["sql", 100, undefined]);
  });

  it("reads the etcd endpoints, credentials and TLS files", () => {
    const s = readConfig(
      {
        GUARDIAN_STORE_ENGINE: "etcd",
        ETCD_ENDPOINTS: "https://etcd-0:2379, https://etcd-1:2379",
        ETCD_USERNAME: "guardian",
        ETCD_PASSWORD: "s3cret",
        ETCD_CA_FILE: "/tls/ca.pem",
        GUARDIAN_STORE_RETAIN_PER_CONFIG: "20",
      },
      storeEngineSettings,
    );
    expect(s).toMatchObject({
      storeEngine: "etcd",
      etcdEndpoints: ["https://etcd-0:2379", "https://etcd-1:2379"],
      etcdUsername: "guardian",
      etcdPassword: "s3cret",
      etcdCaFile: "/tls/ca.pem",
      retainPerConfig: 20,
    });
  });

  it("rejects an unknown engine and a retention below one", () => {
    const problems = problemsOf(() =>
      readConfig(
        {
          GUARDIAN_STORE_ENGINE: "raft",
          GUARDIAN_STORE_RETAIN_PER_CONFIG: "0",
        },
        storeEngineSettings,
      ),
    );
    expect(problems).toEqual([
      'GUARDIAN_STORE_ENGINE: expected one of sql, etcd, got "raft"',
      'GUARDIAN_STORE_RETAIN_PER_CONFIG: expected an integer between 1 and 100000, got "0"',
    ]);
  });

  it("refuses the etcd engine without endpoints or with half a credential", async () => {
    const s = readConfig(
      { GUARDIAN_STORE_ENGINE: "etcd", ETCD_USERNAME: "guardian", ETCD_CERT_FILE: "/c.pem" },
      storeEngineSettings,
    );
    const err = await createEngineFromSettings(s, { pool: db.pool(), logger }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.variable)).toEqual([
      "ETCD_ENDPOINTS",
      "ETCD_PASSWORD",
      "ETCD_KEY_FILE",
    ]);
  });

  it("creates the engine the settings pick", async () => {
    const sql = await createEngineFromSettings(readConfig({}, storeEngineSettings), {
      pool: db.pool(),
      logger,
    });
    expect(sql.name).toBe("sql");
    await sql.close();
    const etcd = await createEngineFromSettings(
      readConfig(
        {
          GUARDIAN_STORE_ENGINE: "etcd",
          ETCD_ENDPOINTS: inject("etcd").endpoints.join(","),
          GUARDIAN_STORE_RETAIN_PER_CONFIG: "7",
        },
        storeEngineSettings,
      ),
      { pool: db.pool(), logger },
    );
    expect(etcd.name).toBe("etcd");
    if (etcd.name === "etcd") expect(etcd.keyspace.ns).toBe("/guardian/");
    expect((await etcd.compactionInfo()).retainedPerConfig).toBe(7);
    await etcd.close();
  });
});
