import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { contractEngineOptions, defineStoreContract } from "../contract.js";
import { defineWatchStartProperty } from "../../watch-start-contract.js";
import { createEtcdEngine, type EtcdStoreEngine } from "./engine.js";

const namespace = `/guardian-test/${randomUUID()}/`;

defineStoreContract("etcd", () =>
  createEtcdEngine({ endpoints: inject("etcd").endpoints, namespace, ...contractEngineOptions }),
);

defineWatchStartProperty("etcd", () =>
  createEtcdEngine({
    endpoints: inject("etcd").endpoints,
    namespace: `/guardian-test/${randomUUID()}/`,
    ...contractEngineOptions,
  }),
);

describe("etcd engine storage", () => {
  const engines: EtcdStoreEngine[] = [];
  afterAll(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });

  it("commits value, revision record and idempotency record in one transaction at the write's revision", async () => {
    const engine = await createEtcdEngine({ endpoints: inject("etcd").endpoints, namespace });
    engines.push(engine);
    const ks = engine.keyspace;
    const meta = {
      author: "alice",
      message: "",
      requestId: "req",
      schema: "",
      schemaVersion: 0,
      validatedSchemaVersion: 0,
      labels: {},
      rolledBackFrom: 0n,
      changeKind: "update" as const,
    };
    const value = new TextEncoder().encode('{"a":1}');
    const first = await engine.write({ project: "raw", key: "k", op: "put", value, meta });
    const second = await engine.write({
      project: "raw",
      key: "k",
      op: "put",
      value,
      meta,
      expectedVersion: first.revision,
      idempotencyKey: "raw-1",
    });
    const kv = await engine.client.kv.range({ key: ks.kv("raw", "k") });
    expect(BigInt(kv.kvs[0]!.mod_revision)).toBe(second.revision);
    expect(BigInt(kv.kvs[0]!.create_revision)).toBe(first.revision);
    expect(BigInt(kv.header.revision)).toBeGreaterThanOrEqual(second.revision);
    // The record of a write sits in the slot named after the key's previous revision.
    const record = await engine.client.kv.range({ key: ks.record("raw", "k", first.revision) });
    expect(BigInt(record.kvs[0]!.mod_revision)).toBe(second.revision);
    const idem = await engine.client.kv.range({ key: ks.idempotency("raw", "k", "raw-1") });
    expect(BigInt(idem.kvs[0]!.mod_revision)).toBe(second.revision);
    const lease = await engine.client.leaseClient.leaseTimeToLive({ ID: idem.kvs[0]!.lease });
    expect(Number(lease.TTL)).toBeGreaterThanOrEqual(24 * 60 * 60);
  });
});
