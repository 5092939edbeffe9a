import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createEtcdClient, readEtcdTls } from "./client.js";
import { isEtcdUnavailable } from "./errors.js";

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: unknown) => err,
  );

describe("createEtcdClient", () => {
  it("writes and reads through every endpoint of the cluster", async () => {
    const client = createEtcdClient({ endpoints: inject("etcd").endpoints });
    const key = `/guardian-test/${randomUUID()}/k`;
    try {
      await client.put(key).value("v");
      expect(await client.get(key).string()).toBe("v");
      await client.delete().key(key);
    } finally {
      client.close();
    }
  });

  it("refuses an empty endpoint list", () => {
    expect(() => createEtcdClient({ endpoints: [] })).toThrow(/at least one endpoint/);
  });

  it("fails a call on an unreachable endpoint, and on a closed client, as unavailable", async () => {
    const nobody = createEtcdClient({ endpoints: ["http://127.0.0.1:1"], callTimeoutMs: 1_000 });
    const refused = await failureOf(nobody.get("k").string());
    nobody.close();
    expect(isEtcdUnavailable(refused)).toBe(true);
    const closed = await failureOf(nobody.get("k").string());
    expect(isEtcdUnavailable(closed)).toBe(true);
  });
});

describe("readEtcdTls", () => {
  it("reads the named PEM files and nothing when none is named", async () => {
    const dir = await mkdtemp(join(tmpdir(), "guardian-etcd-tls-"));
    try {
      await writeFile(join(dir, "ca.pem"), "CA");
      await writeFile(join(dir, "cert.pem"), "CERT");
      const tls = await readEtcdTls({
        caFile: join(dir, "ca.pem"),
        certFile: join(dir, "cert.pem"),
      });
      expect(tls?.ca?.toString()).toBe("CA");
      expect(tls?.cert?.toString()).toBe("CERT");
      expect(tls?.key).toBeUndefined();
      expect(await readEtcdTls({})).toBeUndefined();
      await expect(readEtcdTls({ keyFile: join(dir, "missing.pem") })).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
