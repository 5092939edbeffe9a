import { describe, expect, it } from "vitest";
import { retryDelay } from "./retry-delay.js";

describe("retryDelay", () => {
  const opts = { baseMs: 1_000, maxMs: 60_000 };

  it("waits between half the ceiling and the ceiling, the ceiling doubling per attempt", () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(n, { ...opts, random: () => 0 }))).toEqual([
      500, 1_000, 2_000, 4_000,
    ]);
    expect([1, 2, 3, 4].map((n) => retryDelay(n, { ...opts, random: () => 0.999_999 }))).toEqual([
      999, 1_999, 3_999, 7_999,
    ]);
  });

  it("caps the ceiling at maxMs, even after very many attempts", () => {
    expect(retryDelay(7, { ...opts, random: () => 0 })).toBe(30_000);
    expect(retryDelay(10_000, { ...opts, random: () => 0.5 })).toBe(45_000);
  });
});
