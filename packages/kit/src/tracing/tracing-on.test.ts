import { createConnectTransport } from "@connectrpc/connect-node";
import { startOtlpReceiver } from "@guardian/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../logging/logger.js";
import { closeAll, healthClient, start } from "../server/server-testing.js";
import { createClientTracingInterceptor } from "./rpc-tracing.js";
import { startTracing } from "./sdk.js";
import { traced, tracingEnabled } from "./spans.js";

afterEach(closeAll);

describe("tracing on (an OTLP endpoint set)", () => {
  it("continues the caller's trace across a call, puts its ids on the call's log lines, and exports at stop", async () => {
    const otlp = await startOtlpReceiver();
    const stop = await startTracing("kit-test", { OTEL_EXPORTER_OTLP_ENDPOINT: `${otlp.url}/` });
    try {
      expect(stop).toBeDefined();
      expect(tracingEnabled()).toBe(true);
      const lines: string[] = [];
      const logger = createLogger({
        level: "info",
        destination: { write: (l) => void lines.push(l) },
      });
      const { url } = await start({ logger });
      const transport = createConnectTransport({
        baseUrl: url,
        httpVersion: "1.1",
        interceptors: [createClientTracingInterceptor()],
      });
      await traced("caller", "internal", {}, () => healthClient(transport).check({}));
      // Outside every span, a client operation makes none.
      expect(await traced("SELECT", "client", {}, async () => "row")).toBe("row");
      await stop!();
      expect(tracingEnabled()).toBe(false);

      const byName = new Map(otlp.spans.map((s) => [s.name, s]));
      const caller = byName.get("caller");
      const client = byName.get("grpc.health.v1.Health/Check");
      const server = otlp.spans.find((s) => s.name === client?.name && s !== client);
      expect(caller).toBeDefined();
      expect(client).toMatchObject({
        traceId: caller!.traceId,
        parentSpanId: caller!.spanId,
        kind: 3,
      });
      expect(server).toMatchObject({
        traceId: caller!.traceId,
        parentSpanId: client!.spanId,
        kind: 2,
      });
      expect(byName.has("SELECT")).toBe(false);
      const line = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((r) => r.msg === "rpc finished");
      expect(line).toMatchObject({ trace_id: caller!.traceId, span_id: server!.spanId });
    } finally {
      if (tracingEnabled()) await stop?.();
      await otlp.close();
    }
  });
});
