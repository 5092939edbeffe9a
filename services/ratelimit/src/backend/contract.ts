import { beforeEach, describe, expect, it } from "vitest";
import type { BucketRequest, RateLimitBackend } from "./backend.js";

/** A backend under test with a controllable clock. */
export interface ContractSubject {
  backend: RateLimitBackend;
  /** Moves the backend's clock forward (or back, with a negative value). */
  advance(ms: number): void;
}

/**
 * Checks the token bucket semantics every backend must share. `make` is called before each
 * test and must return a backend whose buckets start empty (full) with a clock it controls.
 */
export function describeBackendContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`${name} token buckets`, () => {
    let subject: ContractSubject;
    let n = 0;
    let key: (label: string) => string;

    beforeEach(async () => {
      subject = await make();
      const run = ++n;
      key = (label) => `contract-${run}-${label}`;
    });

    // 3 tokens per second: one token every 333.3 ms.
    const bucket = (label: string, hits = 1): BucketRequest => ({
      key: key(label),
      capacity: 3,
      periodMs: 1_000,
      hits,
    });

    it("starts full and reports the tokens left and the time until full", async () => {
      const result = await subject.backend.take([bucket("a")]);
      expect(result.allowed).toBe(true);
      expect(result.buckets).toEqual([
        { sufficient: true, remaining: 2, resetMs: 334, retryAfterMs: 0 },
      ]);
    });

    it("rejects once the bucket is empty, with the time until one token is back", async () => {
      for (let i = 0; i < 3; i++) {
        expect((await subject.backend.take([bucket("a")])).allowed).toBe(true);
      }
      const result = await subject.backend.take([bucket("a")]);
      expect(result.allowed).toBe(false);
      expect(result.buckets).toEqual([
        { sufficient: false, remaining: 0, resetMs: 1_000, retryAfterMs: 334 },
      ]);
    });

    it("refills continuously: one token after a third of the period, all after the period", async () => {
      for (let i = 0; i < 3; i++) await subject.backend.take([bucket("a")]);
      subject.advance(333);
      expect((await subject.backend.take([bucket("a")])).allowed).toBe(false);
      subject.advance(1);
      expect((await subject.backend.take([bucket("a")])).buckets[0]).toMatchObject({
        sufficient: true,
        remaining: 0,
      });
      subject.advance(5_000);
      expect((await subject.backend.take([bucket("a")])).buckets[0]?.remaining).toBe(2);
    });

    it("keeps one bucket per key", async () => {
      for (let i = 0; i < 3; i++) await subject.backend.take([bucket("a")]);
      expect((await subject.backend.take([bucket("a")])).allowed).toBe(false);
      expect((await subject.backend.take([bucket("b")])).buckets[0]?.remaining).toBe(2);
    });

    it("takes from all buckets or from none", async () => {
      const small = { ...bucket("small"), capacity: 1 };
      const large = { ...bucket("large"), capacity: 5 };
      expect((await subject.backend.take([small, large])).allowed).toBe(true);
      const rejected = await subject.backend.take([small, large]);
      expect(rejected.allowed).toBe(false);
      expect(rejected.buckets.map((b) => b.sufficient)).toEqual([false, true]);
      // The large bucket was not charged for the rejected request.
      expect(rejected.buckets[1]?.remaining).toBe(4);
      expect((await subject.backend.take([large])).buckets[0]?.remaining).toBe(3);
    });

    it("never lets a shadow bucket decide, and charges it only when it holds enough", async () => {
      const shadow = { ...bucket("shadow"), capacity: 1, shadow: true };
      const real = bucket("real");
      expect((await subject.backend.take([shadow, real])).allowed).toBe(true);
      const over = await subject.backend.take([shadow, real]);
      expect(over.allowed).toBe(true);
      expect(over.buckets.map((b) => [b.sufficient, b.remaining])).toEqual([
        [false, 0],
        [true, 1],
      ]);
      // A take rejected by a real bucket charges the shadow bucket nothing either.
      subject.advance(1_000);
      const empty = { ...real, capacity: 1, key: key("empty") };
      await subject.backend.take([empty]);
      const rejected = await subject.backend.take([shadow, empty]);
      expect(rejected.allowed).toBe(false);
      expect(rejected.buckets[0]).toMatchObject({ sufficient: true, remaining: 1 });
    });

    it("charges hits tokens at once and waits for all of them", async () => {
      expect((await subject.backend.take([bucket("a", 2)])).buckets[0]?.remaining).toBe(1);
      const rejected = await subject.backend.take([bucket("a", 2)]);
      expect(rejected.allowed).toBe(false);
      expect(rejected.buckets[0]?.retryAfterMs).toBe(334);
    });

    it("refills nothing when the clock goes backwards", async () => {
      for (let i = 0; i < 3; i++) await subject.backend.take([bucket("a")]);
      subject.advance(-10_000);
      expect((await subject.backend.take([bucket("a")])).allowed).toBe(false);
    });

    it("answers an empty take with allowed", async () => {
      expect(await subject.backend.take([])).toEqual({ allowed: true, buckets: [] });
    });
  });
}
