import { Code } from "@connectrpc/connect";
import { waitFor } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { toStoreConnectError } from "../../error-map.js";
import { StoreError } from "../errors.js";
import { useHarness } from "../../testing/harness.js";
import { putJson } from "../../testing/writes.js";
import { contractEngineOptions, defineStoreContract } from "../contract/index.js";
import { defineWatchStartProperty } from "../contract/watch-start.js";
import { createEtcdEngine } from "./engine.js";

const h = useHarness();
const namespace = h.namespace();

defineStoreContract("etcd", () =>
  createEtcdEngine({ endpoints: h.endpoints(), namespace, ...contractEngineOptions }),
);

defineWatchStartProperty(
  "etcd",
  () =>
    createEtcdEngine({
      endpoints: h.endpoints(),
      namespace: h.namespace(),
      ...contractEngineOptions,
    }),
  (engine) => engine.flushRetention(),
);

describe("etcd engine storage", () => {
  it("commits value, revision record and idempotency record in one transaction at the write's revision", async () => {
    const engine = await h.open({ namespace });
    const ks = engine.keyspace;
    const first = await engine.write(putJson("raw", "k", { a: 1 }));
    const second = await engine.write(
      putJson("raw", "k", { a: 1 }, { expectedVersion: first.revision, idempotencyKey: "raw-1" }),
    );
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

  it("refuses a write too large for etcd's request limit as too_large, not as a failure", async () => {
    const engine = await h.open({ namespace });
    // Under etcd's default 1.5 MiB, but held twice (value and record) it is over.
    const refused = await engine.write(putJson("raw", "big", { blob: "x".repeat(900_000) })).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(StoreError);
    expect(refused).toMatchObject({ kind: "too_large" });
    expect((refused as Error).message).toContain("--max-request-bytes");
    expect(toStoreConnectError(refused).code).toBe(Code.ResourceExhausted);
  });

  it("applies retention after the write returns, in one pass for every key written meanwhile", async () => {
    const engine = await h.open({
      namespace: h.namespace(),
      retainPerConfig: 2,
      retentionDelayMs: 1_500,
    });
    const revs: Record<string, bigint[]> = { a: [], b: [] };
    for (let i = 0; i < 5; i++) {
      for (const key of ["a", "b"])
        revs[key]!.push((await engine.write(putJson("ret", key, i))).revision);
    }
    // The writes did not wait for retention: nothing is compacted yet.
    expect((await engine.compactionInfo()).compactRevision).toBe(0n);
    // One pass covers both keys: each one's three oldest records left its retention.
    const compact = await waitFor(
      async () => {
        const info = await engine.compactionInfo();
        return info.compactRevision > 0n ? info.compactRevision : undefined;
      },
      { what: "a retention pass", timeoutMs: 10_000 },
    );
    expect(compact).toBe(revs["b"]![2]);
    // Not archived: the records stay, for the history and the archiver.
    const history = await engine.listRevisions("ret", "a");
    expect(history.records).toHaveLength(5);
  });
});
