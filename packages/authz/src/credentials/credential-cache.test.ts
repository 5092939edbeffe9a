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
});
