import { describe, expect, it } from "vitest";
import type { NodeRequest } from "./node-http.js";
import { requestHeaders } from "./request-headers.js";

const request = (headers: Record<string, string | string[]>) => ({ headers }) as NodeRequest;

describe("requestHeaders", () => {
  const raw = {
    ":path": "/guardian.config.v1.ConfigService/ReadConfig",
    "x-api-key": "gdn_a_b",
    "set-cookie": ["a=1", "b=2"],
    "x-padded": " value\t",
  };

  it("answers get and has as a copied Headers object does, pseudo-headers left out", () => {
    const lazy = requestHeaders(request(raw));
    const copied = new Headers();
    copied.append("x-api-key", "gdn_a_b");
    copied.append("set-cookie", "a=1");
    copied.append("set-cookie", "b=2");
    copied.append("x-padded", " value\t");
    for (const name of ["X-Api-Key", "set-cookie", "x-padded", "authorization", ":path"]) {
      expect(lazy.get(name)).toBe(name.startsWith(":") ? null : copied.get(name));
      expect(lazy.has(name)).toBe(name.startsWith(":") ? false : copied.has(name));
    }
  });

  it("holds every header once iterated or changed, and keeps changes", () => {
    const lazy = requestHeaders(request(raw));
    lazy.set("x-api-key", "other");
    expect(lazy.get("x-api-key")).toBe("other");
    expect([...lazy]).toEqual([
      ["set-cookie", "a=1"],
      ["set-cookie", "b=2"],
      ["x-api-key", "other"],
      ["x-padded", "value"],
    ]);
    expect(lazy.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(new Headers(requestHeaders(request(raw))).get("x-api-key")).toBe("gdn_a_b");
  });
});
