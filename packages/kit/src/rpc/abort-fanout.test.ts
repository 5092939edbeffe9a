import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { createAbortFanout } from "./abort-fanout.js";

describe("createAbortFanout", () => {
  it("aborts the calls still joined, with the signal's reason, on one listener however many", () => {
    const shared = new AbortController();
    const join = createAbortFanout(shared.signal);
    const calls = Array.from({ length: 1_000 }, () => new AbortController());
    const leaves = calls.map((call) => join(call));
    expect(getEventListeners(shared.signal, "abort")).toHaveLength(1);
    leaves[0]!();
    const reason = new Error("shutting down");
    shared.abort(reason);
    expect(calls[0]!.signal.aborted).toBe(false);
    expect(calls.slice(1).every((c) => c.signal.aborted && c.signal.reason === reason)).toBe(true);
    // A call that leaves after the abort only leaves.
    leaves[1]!();
  });

  it("aborts a call that joins after the signal aborted at once", () => {
    const shared = new AbortController();
    const join = createAbortFanout(shared.signal);
    shared.abort("gone");
    const late = new AbortController();
    join(late)();
    expect(late.signal.reason).toBe("gone");
  });

  it("lets a call leave while the others are being aborted", () => {
    const shared = new AbortController();
    const join = createAbortFanout(shared.signal);
    const second = new AbortController();
    let leaveSecond = () => {};
    const first = { abort: () => leaveSecond() };
    join(first);
    leaveSecond = join(second);
    shared.abort();
    expect(second.signal.aborted).toBe(false);
  });
});
