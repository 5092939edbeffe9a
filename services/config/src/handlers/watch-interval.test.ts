import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { bookmarkIntervalMs, maxBookmarkIntervalMs } from "./watch.js";

const seconds = (s: number) => durationFromMs(s * 1000);

describe("bookmarkIntervalMs", () => {
  it("uses 30 s when the request leaves the interval unset or zero", () => {
    expect(bookmarkIntervalMs(undefined)).toBe(30_000);
    expect(bookmarkIntervalMs(seconds(0))).toBe(30_000);
  });

  it("clamps to between 1 s and 5 min, so a bookmark comes before a gateway's idle cut", () => {
    expect(maxBookmarkIntervalMs).toBe(300_000);
    expect(bookmarkIntervalMs(durationFromMs(5))).toBe(1_000);
    expect(bookmarkIntervalMs(seconds(90))).toBe(90_000);
    expect(bookmarkIntervalMs(seconds(600))).toBe(maxBookmarkIntervalMs);
    expect(bookmarkIntervalMs(seconds(3600))).toBe(maxBookmarkIntervalMs);
  });
});
