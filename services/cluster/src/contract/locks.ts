import { setTimeout as sleep } from "node:timers/promises";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { LockHeldSchema } from "@guardian/api";
import { expect, it } from "vitest";
import type { ContractContext } from "./contract.js";
import { seconds } from "./helpers.js";
import { failureOf } from "@guardian/testkit";

/** Locks: one holder at a time, LockHeld, release, waiting, fencing tokens, expiry. */
export function lockContract(ctx: ContractContext): void {
  const client = () => ctx.client();

  it("gives a lock to one holder at a time, with a larger fencing token on every acquisition", async () => {
    const name = ctx.unique("lock");
    const first = (await client().acquireLock({ name, ttl: seconds(3), owner: "worker-1" })).lock!;
    expect(first.fencingToken).toBeGreaterThan(0n);

    const held = await failureOf(
      client().acquireLock({ name, ttl: seconds(3), owner: "worker-2" }),
    );
    expect(held.code).toBe(Code.Aborted);
    const [detail] = held.findDetails(LockHeldSchema);
    expect(detail).toMatchObject({ name, owner: "worker-1" });
    expect(timestampDate(detail!.expireTime!).getTime()).toBeGreaterThan(Date.now());
    expect((await client().getLock({ name })).lock).toMatchObject({
      owner: "worker-1",
      leaseId: first.leaseId,
      fencingToken: first.fencingToken,
    });

    const kept = await client().keepAliveLock({ name, leaseId: first.leaseId });
    expect(timestampDate(kept.expireTime!).getTime()).toBeGreaterThan(Date.now());
    await client().releaseLock({ name, leaseId: first.leaseId });
    expect((await failureOf(client().releaseLock({ name, leaseId: first.leaseId }))).code).toBe(
      Code.NotFound,
    );
    expect((await client().getLock({ name })).lock).toBeUndefined();

    const tokens = [first.fencingToken];
    for (let i = 0; i < 4; i++) {
      const lock = (await client().acquireLock({ name, ttl: seconds(3), owner: `w${i}` })).lock!;
      tokens.push(lock.fencingToken);
      await client().releaseLock({ name, leaseId: lock.leaseId });
    }
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]!).toBeGreaterThan(tokens[i - 1]!);

    // A waiter gets the lock as soon as the holder releases it.
    const holder = (await client().acquireLock({ name, ttl: seconds(3), owner: "holder" })).lock!;
    const waiting = client().acquireLock({
      name,
      ttl: seconds(3),
      owner: "waiter",
      waitTimeout: seconds(5),
    });
    await sleep(300);
    await client().releaseLock({ name, leaseId: holder.leaseId });
    const waiter = (await waiting).lock!;
    expect(waiter.owner).toBe("waiter");
    expect(waiter.fencingToken).toBeGreaterThan(holder.fencingToken);
    await client().releaseLock({ name, leaseId: waiter.leaseId });
  });

  it("takes the lock from a holder whose lease expired and gives the next holder a larger token", async () => {
    const name = ctx.unique("expiring-lock");
    const stale = (await client().acquireLock({ name, ttl: seconds(1), owner: "stale" })).lock!;
    const next = (
      await client().acquireLock({ name, ttl: seconds(3), owner: "next", waitTimeout: seconds(8) })
    ).lock!;
    expect(next.owner).toBe("next");
    expect(next.fencingToken).toBeGreaterThan(stale.fencingToken);
    expect((await failureOf(client().keepAliveLock({ name, leaseId: stale.leaseId }))).code).toBe(
      Code.NotFound,
    );
    expect((await failureOf(client().releaseLock({ name, leaseId: stale.leaseId }))).code).toBe(
      Code.NotFound,
    );
    expect((await client().getLock({ name })).lock?.leaseId).toBe(next.leaseId);
  });

  it("gives a lock contended by 6 workers to one at a time, each with a larger token", async () => {
    const name = ctx.unique("contended-lock");
    let inside = 0;
    let overlapped = false;
    const tokens: bigint[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, w) => {
        for (let i = 0; i < 4; i++) {
          const lock = (
            await client().acquireLock({
              name,
              ttl: seconds(5),
              owner: `w${w}`,
              waitTimeout: seconds(20),
            })
          ).lock!;
          inside += 1;
          if (inside > 1) overlapped = true;
          tokens.push(lock.fencingToken);
          await sleep(5);
          inside -= 1;
          await client().releaseLock({ name, leaseId: lock.leaseId });
        }
      }),
    );
    expect(overlapped).toBe(false);
    expect(tokens).toHaveLength(24);
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]!).toBeGreaterThan(tokens[i - 1]!);
  }, 60_000);
}
