import { describe, expect, it } from "vitest";
import { createAccessChanges } from "../access-changes/access-changes.js";
import { createCredentialCache } from "./credential-cache.js";

function setup() {
  const clock = { ms: 1_000 };
  const changes = createAccessChanges();
  const cache = createCredentialCache<string>(changes, { max: 100, now: () => clock.ms });
  changes.connected(1n);
  return { clock, changes, cache };
}

describe("credential cache", () => {
  it("answers until the credential's expiry, and not at or after it", () => {
    const { clock, cache } = setup();
    cache.begin("secret")({ value: "alice", until: 2_000 });
    clock.ms = 1_999;
    expect(cache.get("secret")).toBe("alice");
    clock.ms = 2_000;
    expect(cache.get("secret")).toBeUndefined();
    clock.ms = 1_999;
    expect(cache.get("secret")).toBeUndefined();
  });

  it("drops everything on a change, and keeps nothing verified across one", () => {
    const { changes, cache } = setup();
    cache.begin("a")({ value: "alice", until: Infinity });
    const keep = cache.begin("b");
    changes.heard(2n);
    keep({ value: "bob", until: Infinity });
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toBeUndefined();
  });

  it("ignores an epoch already heard on another connection", () => {
    const { changes, cache } = setup();
    changes.heard(5n);
    cache.begin("a")({ value: "alice", until: Infinity });
    changes.heard(4n);
    changes.heard(5n);
    expect(cache.get("a")).toBe("alice");
  });

  it("answers and keeps nothing while changes are not heard, and starts empty after", () => {
    const { changes, cache } = setup();
    cache.begin("a")({ value: "alice", until: Infinity });
    changes.disconnected();
    expect(cache.get("a")).toBeUndefined();
    cache.begin("b")({ value: "bob", until: Infinity });
    const keep = cache.begin("c");
    changes.connected(9n);
    keep({ value: "carol", until: Infinity });
    for (const k of ["a", "b", "c"]) expect(cache.get(k)).toBeUndefined();
  });

  it("keeps credentials by hash: a different secret never matches", () => {
    const { cache } = setup();
    cache.begin("k:gdn_ak_1_secret")({ value: "key", until: Infinity });
    expect(cache.get("t:gdn_ak_1_secret")).toBeUndefined();
    expect(cache.get("k:gdn_ak_1_secret")).toBe("key");
  });

  it("holds what was verified when contact was lost, for calls the database cannot answer, within the grace", () => {
    const clock = { ms: 1_000 };
    const changes = createAccessChanges();
    const cache = createCredentialCache<string>(changes, {
      max: 100,
      outageGraceMs: 60_000,
      now: () => clock.ms,
    });
    changes.connected(1n);
    cache.begin("a")({ value: "alice", until: Infinity });
    cache.begin("b")({ value: "bob", until: 5_000 });
    expect(cache.lastKnown("a")).toBeUndefined(); // in contact: the cache itself answers
    changes.disconnected();
    expect(cache.get("a")).toBeUndefined();
    expect(cache.lastKnown("a")).toBe("alice");
    expect(cache.lastKnown("b")).toBe("bob");
    // Nothing verified during the loss is held, and each credential keeps its own expiry.
    cache.begin("c")({ value: "carol", until: Infinity });
    expect(cache.lastKnown("c")).toBeUndefined();
    clock.ms = 5_000;
    expect(cache.lastKnown("b")).toBeUndefined();
    clock.ms = 60_999;
    expect(cache.lastKnown("a")).toBe("alice");
    clock.ms = 61_000;
    expect(cache.lastKnown("a")).toBeUndefined();
  });

  it("drops what it holds on a change made during the loss, on contact regained, and holds nothing without a grace", () => {
    const { changes, cache } = setup();
    cache.begin("a")({ value: "alice", until: Infinity });
    changes.disconnected();
    expect(cache.lastKnown("a")).toBeUndefined(); // no outage grace configured

    const clock = { ms: 1_000 };
    const graced = createAccessChanges();
    const held = createCredentialCache<string>(graced, {
      max: 100,
      outageGraceMs: 60_000,
      now: () => clock.ms,
    });
    graced.connected(1n);
    held.begin("a")({ value: "alice", until: Infinity });
    graced.disconnected();
    graced.changed(); // this process revoked something meanwhile
    expect(held.lastKnown("a")).toBeUndefined();
    graced.connected(2n);
    held.begin("a")({ value: "alice", until: Infinity });
    graced.disconnected();
    graced.connected(3n);
    expect(held.lastKnown("a")).toBeUndefined();
  });
});
