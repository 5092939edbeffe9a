import { describe, expect, it } from "vitest";
import { createHistoryRecorder } from "./history.js";

describe("createHistoryRecorder", () => {
  it("orders invocations and responses on one clock and keeps unknown outcomes open", () => {
    const h = createHistoryRecorder<string, string>();
    const a = h.invoke(1, "k", "write a");
    const b = h.invoke(2, "k", "read");
    const c = h.invoke(3, "j", "write c");
    b.ok("a");
    a.unknown();
    c.discard();
    expect(h.operations()).toEqual([
      {
        id: 0,
        client: 1,
        partition: "k",
        input: "write a",
        output: undefined,
        call: 0,
        ret: Infinity,
      },
      { id: 1, client: 2, partition: "k", input: "read", output: "a", call: 1, ret: 3 },
    ]);
    expect(() => b.ok("again")).toThrow("settled twice");
  });

  it("counts an operation still in flight as of unknown outcome", () => {
    const h = createHistoryRecorder<string, string>();
    h.invoke(1, "k", "write");
    expect(h.operations()[0]).toMatchObject({ output: undefined, ret: Infinity });
  });
});
