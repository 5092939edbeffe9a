import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { CampaignLostReason, type CampaignResponse, type ObserveResponse } from "@guardian/api";
import { expect, it } from "vitest";
import type { ContractContext } from "./contract.js";
import { campaign, elected, is, started } from "./helpers.js";
import { recordStream, waitUntil, type StreamRecorder } from "./stream-recorder.js";
import { failureOf } from "@guardian/testkit";

/** Elections: campaign, observe, proclaim, resign, one leader at a time, shutdown. */
export function electionContract(ctx: ContractContext): void {
  const client = () => ctx.client();

  it("elects the first candidate, hands over on Resign, and withdraws a cancelled candidate", async () => {
    const election = ctx.unique("election");
    const observer = recordStream<ObserveResponse>((signal) =>
      client().observe({ election }, { signal }),
    );
    expect((await observer.next()).leader).toBeUndefined();

    const a = campaign(client(), election, "a:8080");
    const aStarted = await started(a);
    const aElected = await elected(a);
    expect(aElected.leaderKey).toBe(aStarted.leaderKey);
    expect((await observer.next((o) => o.leader !== undefined)).leader).toMatchObject({
      leaderKey: aElected.leaderKey,
      value: "a:8080",
      revision: aElected.revision,
    });

    // A long lease: only the withdrawal on cancel can free the election within the test.
    const b = campaign(client(), election, "b:8080", 30);
    const bStarted = await started(b);
    const leader = await client().getLeader({ election });
    expect(leader.leader?.leaderKey).toBe(aElected.leaderKey);
    expect(leader.revision).toBeGreaterThanOrEqual(aElected.revision);

    const notLeader = await failureOf(
      client().proclaim({ election, leaderKey: bStarted.leaderKey, value: "b2" }),
    );
    expect(notLeader.code).toBe(Code.FailedPrecondition);
    await client().proclaim({ election, leaderKey: aElected.leaderKey, value: "a:9090" });
    expect((await observer.next()).leader?.value).toBe("a:9090");

    await client().resign({ election, leaderKey: aElected.leaderKey });
    const lost = await a.next(is("lost"));
    expect(lost.event.value).toMatchObject({ reason: CampaignLostReason.RESIGNED });
    expect(await a.ended).toBeUndefined();
    expect(a.items.at(-1)?.event.case).toBe("lost");

    const bElected = await elected(b);
    expect(bElected.revision).toBeGreaterThan(aElected.revision);
    expect((await observer.next()).leader).toMatchObject({
      leaderKey: bStarted.leaderKey,
      value: "b:8080",
    });
    const again = await failureOf(client().resign({ election, leaderKey: aElected.leaderKey }));
    expect(again.code).toBe(Code.NotFound);
    // A key naming a lease beyond any int64 is no candidate either (once Internal on SQL).
    const huge = bStarted.leaderKey.replace(/[0-9a-f]+$/i, "9999999999999999999");
    for (const call of [
      client().proclaim({ election, leaderKey: huge, value: "x" }),
      client().resign({ election, leaderKey: huge }),
    ]) {
      expect((await failureOf(call)).code).toBe(Code.NotFound);
    }

    b.cancel();
    expect((await observer.next()).leader).toBeUndefined();
    expect((await client().getLeader({ election })).leader).toBeUndefined();
    observer.cancel();
  });

  it("lets only one of several candidates lead at a time, and renews the leader's lease", async () => {
    const election = ctx.unique("one-leader");
    const candidates = ["x", "y", "z"].map((v) => campaign(client(), election, v));
    const resigned = new Set<StreamRecorder<CampaignResponse>>();
    // A candidate holds from its Elected until its Lost, or until it was told to resign.
    const holding = () =>
      candidates.filter(
        (c) => c.items.some(is("elected")) && !c.items.some(is("lost")) && !resigned.has(c),
      );
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, holding().length)), 5);
    try {
      const leaders: string[] = [];
      for (let round = 0; round < 3; round++) {
        const [winner] = await waitUntil(() => {
          const h = holding();
          return h.length > 0 ? h : undefined;
        }, "a leader");
        const event = winner!.items.find(is("elected"))!.event;
        if (event.case !== "elected") throw new Error("unreachable");
        if (round === 0) {
          const renewed = await winner!.next(is("renewed"), 3_000);
          if (renewed.event.case !== "renewed") throw new Error("unreachable");
          const expire = timestampDate(renewed.event.value.expireTime!).getTime();
          expect(expire).toBeGreaterThan(Date.now());
        }
        leaders.push(event.value.leaderKey);
        resigned.add(winner!);
        await client().resign({ election, leaderKey: event.value.leaderKey });
        expect(await winner!.ended).toBeUndefined();
      }
      expect(new Set(leaders).size).toBe(3);
      expect(most).toBe(1);
    } finally {
      clearInterval(sampler);
    }
  });

  it("hands leadership over at once when the leader's server shuts down", async () => {
    const election = ctx.unique("shutdown");
    const other = await ctx.another();
    const a = campaign(other.client, election, "on-the-closing-server", 30);
    await elected(a);
    const b = campaign(client(), election, "survivor", 30);
    await started(b);
    const closed = Date.now();
    await other.backend.close();
    const lost = await a.next(is("lost"));
    expect(lost.event.value).toMatchObject({ reason: CampaignLostReason.SERVER_SHUTDOWN });
    await elected(b);
    // Far sooner than the 30-second lease would have expired on its own.
    expect(Date.now() - closed).toBeLessThan(5_000);
    b.cancel();
    await b.ended;
  });
}
