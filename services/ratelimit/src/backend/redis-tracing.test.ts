import { randomBytes } from "node:crypto";
import { startTracing, traced } from "@guardian/kit";
import { startOtlpReceiver } from "@guardian/testkit";
import { describe, expect, inject, it } from "vitest";
import { createRedisBackend } from "./redis.js";

describe("the Redis backend with tracing on", () => {
  it("makes each Redis command of a call a client span of that call", async () => {
    const otlp = await startOtlpReceiver();
    const stop = await startTracing("ratelimit-test", { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url });
    const backend = createRedisBackend({
      url: inject("redis").url,
      keyPrefix: `test-${randomBytes(6).toString("hex")}:`,
      timeoutMs: 2_000,
    });
    try {
      const taken = await traced("call", "internal", {}, () =>
        backend.take([{ key: "k", capacity: 5, periodMs: 1_000, hits: 1 }]),
      );
      expect(taken.allowed).toBe(true);
    } finally {
      await backend.close();
      await stop?.();
      await otlp.close();
    }
    const call = otlp.spans.find((s) => s.name === "call")!;
    const commands = otlp.spans.filter((s) => s.attributes["db.system"] === "redis");
    // EVALSHA, then EVAL when Redis did not know the script yet.
    expect(commands.map((s) => s.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^EVAL(SHA)?$/)]),
    );
    for (const c of commands) {
      expect(c).toMatchObject({ traceId: call.traceId, parentSpanId: call.spanId, kind: 3 });
    }
  });
});
