import { readFile, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../logging/logger.js";
import { closeAll, healthClient, start } from "../server/server-testing.js";
import { createClientTracingInterceptor, createServerTracingInterceptor } from "./rpc-tracing.js";
import { startTracing, tracingRequested } from "./sdk.js";
import { traced, tracingEnabled } from "./spans.js";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
// Where the OpenTelemetry API keeps what an SDK registers (its tracer provider, propagator).
const apiGlobal = Symbol.for("opentelemetry.js.api.1");

afterEach(closeAll);

describe("tracing off (no OTLP endpoint)", () => {
  it("is requested only by an endpoint, and never when the SDK or the exporter is disabled", () => {
    const endpoint = "http://127.0.0.1:4318";
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_SERVICE_NAME: "guardian" })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint })).toBe(true);
    expect(
      tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: "true" }),
    ).toBe(false);
    expect(
      tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_EXPORTER: "none" }),
    ).toBe(false);
  });

  it("loads no SDK and no exporter, and leaves every hook a pass-through", async () => {
    expect(await startTracing("guardian-test", {})).toBeUndefined();
    expect(tracingEnabled()).toBe(false);
    const registered = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[
      apiGlobal
    ];
    expect(registered?.trace).toBeUndefined();
    expect(registered?.propagation).toBeUndefined();
    const next = async () => Promise.reject(new Error("not called"));
    expect(createServerTracingInterceptor()(next)).toBe(next);
    expect(createClientTracingInterceptor()(next)).toBe(next);
    expect(await traced("query", "client", {}, async () => 7)).toBe(7);
  });

  it("writes log lines without trace ids, even for a call that carries a traceparent", async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: "info",
      destination: { write: (l) => void lines.push(l) },
    });
    const { url } = await start({ logger });
    const client = healthClient(createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    await client.check(
      {},
      { headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" } },
    );
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.some((r) => r.msg === "rpc finished")).toBe(true);
    for (const r of records) {
      expect(r).not.toHaveProperty("trace_id");
      expect(r).not.toHaveProperty("span_id");
    }
  });

  it("keeps the SDK out of every module a process loads at start: only startTracing imports it, on demand", async () => {
    const offenders: string[] = [];
    const visit = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.name === "node_modules" || entry.name === "dist") continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await visit(path);
        else if (/\.(ts|mts|mjs)$/.test(entry.name) && !entry.name.endsWith(".test.ts")) {
          const text = await readFile(path, "utf8");
          if (/from\s+["']@opentelemetry\/(?!api["'])/.test(text)) {
            offenders.push(relative(root, path));
          }
        }
      }
    };
    for (const top of ["packages", "services"]) await visit(join(root, top));
    expect(offenders).toEqual([]);
  });
});
