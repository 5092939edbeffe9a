import { describe, expect, it } from "vitest";
import { decodeCachedState, encodeCachedState } from "./cache-format.js";
import type { ConfigEntry } from "./types.js";
import { diffCopies, type Copy } from "./view.js";

const entry = (key: string, version: bigint, content: unknown = { v: Number(version) }) =>
  ({
    key,
    content,
    version,
    createRevision: 1n,
    schema: "any",
    schemaVersion: 0,
    validatedSchemaVersion: 1,
    labels: { team: "a" },
    createdBy: "user:admin",
    updatedBy: "user:admin",
    updateTime: "2026-11-30T00:00:00.000Z",
  }) as ConfigEntry;

const copyOf = (...entries: ConfigEntry[]): Copy => new Map(entries.map((e) => [e.key, e]));

describe("diffCopies", () => {
  it("reports created, updated and deleted keys by key, and nothing for unchanged ones", () => {
    const before = copyOf(entry("b", 2n), entry("c", 3n), entry("d", 4n));
    const after = copyOf(entry("a", 9n), entry("b", 2n), entry("c", 8n));
    const changes = diffCopies(before, after, 10n);
    expect(changes.map((c) => [c.type, c.key, c.revision])).toEqual([
      ["created", "a", 10n],
      ["updated", "c", 10n],
      ["deleted", "d", 10n],
    ]);
    expect(changes[1]).toMatchObject({ previous: { version: 3n }, config: { version: 8n } });
  });

  it("reports nothing when the snapshot holds the same versions", () => {
    const copy = copyOf(entry("a", 1n), entry("b", 2n));
    expect(diffCopies(copy, copyOf(entry("a", 1n), entry("b", 2n)), 5n)).toEqual([]);
  });
});

describe("the cache format", () => {
  it("round-trips a state, revisions included", () => {
    const state = {
      project: "shop",
      target: { prefix: "eu/" },
      revision: 12345678901234n,
      configs: [entry("eu/a", 7n, { nested: [1, "x", null] })],
    };
    expect(decodeCachedState(encodeCachedState(state))).toEqual(state);
  });

  it("refuses truncated, foreign and malformed documents with a reason", () => {
    const good = encodeCachedState({ project: "p1", target: {}, revision: 1n, configs: [] });
    expect(() => decodeCachedState(good.slice(0, -3))).toThrow(SyntaxError);
    expect(() => decodeCachedState('{"configs":[]}')).toThrow(/not a guardian-subscription-cache/);
    expect(() => decodeCachedState(good.replace('"1"', '"x"'))).toThrow(/revision/);
    const one = { project: "p1", target: {}, revision: 1n, configs: [entry("a", 1n)] };
    const noKey = JSON.parse(encodeCachedState(one));
    delete noKey.configs[0].key;
    expect(() => decodeCachedState(JSON.stringify(noKey))).toThrow(/without key/);
  });
});
