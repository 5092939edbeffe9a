import { describe, expect, expectTypeOf, it } from "vitest";
import type { GuardianClient } from "./client.js";

interface Limits {
  maxConnections: number;
  regions?: string[];
}

describe("a typed subscription", () => {
  it("gives the caller's content type to the copy and to every change", () => {
    const typed = (client: GuardianClient) => {
      const sub = client.subscribe<Limits>("payments", { key: "eu/limits" });
      expectTypeOf(sub.get("eu/limits")!.content).toEqualTypeOf<Limits>();
      sub.onChange((change) => {
        if (change.type === "updated") {
          expectTypeOf(change.config.content).toEqualTypeOf<Limits>();
          expectTypeOf(change.previous.content).toEqualTypeOf<Limits>();
        }
      });
      return sub;
    };
    // Checked by the type checker; nothing runs against a server here.
    expect(typed).toBeTypeOf("function");
  });
});
