import { waitFor } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { createFanout } from "./fanout.js";
import { watchFrom, type WatchSource } from "./watch.js";

describe("watchFrom", () => {
  it("withholds idle progress while the engine cannot confirm its source, and sends it once it can", async () => {
    let reachable = false;
    const log: string[] = [];
    const src: WatchSource = {
      fanout: createFanout({ startRevision: 5n }),
      compactRevision: async () => 0n,
      committedRevision: async () => 5n,
      async *backlog() {},
      async confirm() {
        log.push(`confirm ${reachable}`);
        return reachable;
      },
    };
    const ac = new AbortController();
    const items = watchFrom(src, {}, "now", ac.signal, 20)[Symbol.asyncIterator]();
    try {
      // Where the stream starts is not an idle progress: it is sent at once.
      expect((await items.next()).value).toEqual({ kind: "progress", revision: 5n });
      const next = items.next().then((r) => {
        log.push("progress");
        return r;
      });
      const unconfirmed = () => log.filter((l) => l === "confirm false").length;
      await waitFor(() => Promise.resolve(unconfirmed() >= 3 || undefined), {
        what: "three idle intervals without a confirmation",
        timeoutMs: 10_000,
      });
      reachable = true;
      expect((await next).value).toEqual({ kind: "progress", revision: 5n });
      expect(log.indexOf("progress")).toBeGreaterThan(log.lastIndexOf("confirm false"));
    } finally {
      ac.abort();
      await items.return?.(undefined);
    }
  });

  it("reads the backlog only when the start is behind the fan-out's revision", async () => {
    const reads: string[] = [];
    const src: WatchSource = {
      fanout: createFanout({ startRevision: 5n }),
      compactRevision: async () => 0n,
      committedRevision: async () => 5n,
      async *backlog(_scope, after, upTo) {
        reads.push(`${after}..${upTo}`);
      },
    };
    const first = async (start: bigint | "now") => {
      const ac = new AbortController();
      const items = watchFrom(src, {}, start, ac.signal, 60_000)[Symbol.asyncIterator]();
      try {
        return (await items.next()).value;
      } finally {
        ac.abort();
        await items.return?.(undefined);
      }
    };
    expect(await first("now")).toEqual({ kind: "progress", revision: 5n });
    expect(await first(5n)).toEqual({ kind: "progress", revision: 5n });
    expect(reads).toEqual([]);
    expect(await first(3n)).toEqual({ kind: "progress", revision: 5n });
    expect(reads).toEqual(["3..5"]);
  });
});
