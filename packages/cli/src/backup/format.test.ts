import { describe, expect, it } from "vitest";
import { firstRevision } from "./etcd-import.js";
import { BackupError, etcdLine, parseBodyLine, parseManifest, rowLine } from "./format.js";
import { restoreOrder } from "./tables.js";

const manifest = {
  format: "guardian-backup",
  version: 1,
  createdAt: "2026-11-30T09:00:00.000Z",
  storeEngine: "etcd",
  migrations: ["0001_initial"],
  etcd: { namespace: "/guardian/", revision: "42", keys: 1 },
  tables: [{ name: "users", rows: 0 }],
  body: { bytes: 0, sha256: "0".repeat(64) },
};

describe("backup file format", () => {
  it("round-trips etcd keys with any bytes and rows with tabs and newlines escaped by JSON", () => {
    const entry = {
      key: Buffer.from("/guardian/kv/p/a\tb"),
      value: Buffer.from([0, 1, 10, 9, 255]),
      modRevision: 9007199254740993n,
      leased: true,
    };
    const line = etcdLine(entry);
    expect(line.endsWith("\n")).toBe(true);
    expect(parseBodyLine(line.slice(0, -1), 2)).toEqual({ kind: "etcd", entry });
    const json = '{"id": 9007199254740993, "note": "a\\tb\\nc"}';
    expect(parseBodyLine(rowLine("audit_log", json).slice(0, -1), 3)).toEqual({
      kind: "row",
      table: "audit_log",
      json,
    });
  });

  it("names the line of an entry it cannot read", () => {
    expect(() => parseBodyLine("etcd\tx\t0\t\t", 7)).toThrow(
      new BackupError("line 7 of the backup is not a backup entry"),
    );
  });

  it("accepts its own manifest and refuses other formats, versions and incomplete ones", () => {
    expect(parseManifest(JSON.stringify(manifest)).etcd?.revision).toBe("42");
    expect(() => parseManifest("PGDMP")).toThrow(/not a Guardian backup/);
    expect(() => parseManifest(JSON.stringify({ ...manifest, format: "other" }))).toThrow(
      /not a Guardian backup/,
    );
    expect(() => parseManifest(JSON.stringify({ ...manifest, version: 2 }))).toThrow(
      "backup format version 2 is not supported (this Guardian reads version 1)",
    );
    expect(() => parseManifest(JSON.stringify({ ...manifest, etcd: undefined }))).toThrow(
      /incomplete/,
    );
  });
});

describe("restore order", () => {
  it("puts every table after the tables it references, ignoring self-references", () => {
    const order = restoreOrder(
      ["api_keys", "projects", "role_bindings", "schema_versions", "schemas", "users"],
      [
        { child: "api_keys", parent: "projects" },
        { child: "api_keys", parent: "api_keys" },
        { child: "role_bindings", parent: "projects" },
        { child: "schemas", parent: "projects" },
        { child: "schema_versions", parent: "schemas" },
        { child: "auth_sessions", parent: "users" },
      ],
    );
    expect(order).toEqual([
      "projects",
      "users",
      "api_keys",
      "role_bindings",
      "schemas",
      "schema_versions",
    ]);
  });
});

describe("the first revision a restore needs", () => {
  it("is the lowest revision of a key outside meta/, or the target when there is none", () => {
    const at = (key: string, modRevision: bigint) => ({
      key: Buffer.from(key),
      value: Buffer.alloc(0),
      modRevision,
      leased: false,
    });
    const entries = [at("/guardian/meta/archived", 3n), at("/guardian/rev/p/k@0", 12n)];
    expect(firstRevision(entries, "/guardian/", 40n)).toBe(12n);
    expect(firstRevision([at("/guardian/meta/compact", 5n)], "/guardian/", 40n)).toBe(40n);
  });
});
