import { EventEmitter } from "node:events";
import { Counter, Gauge, Histogram } from "prom-client";
import { describe, expect, it } from "vitest";
import {
  gatherProcessMetrics,
  shareProcessMetrics,
  type MetricsChannel,
  type ProcessMetricsGatherer,
} from "./cluster-metrics.js";
import { createMetrics, type Metrics } from "./metrics.js";

// The exchange runs over a pair of in-memory ends that deliver each message later and as a
// copy, as an IPC channel does.
function channelPair(): { process: MetricsChannel; supervisor: MetricsChannel; cut(): void } {
  const toProcess = new EventEmitter();
  const toSupervisor = new EventEmitter();
  let open = true;
  const end = (inbox: EventEmitter, outbox: EventEmitter): MetricsChannel => ({
    send: (message) => {
      const copy = structuredClone(message);
      setImmediate(() => open && outbox.emit("message", copy));
    },
    on: (event, listener) => void inbox.on(event, listener),
    off: (event, listener) => void inbox.off(event, listener),
  });
  return {
    process: end(toProcess, toSupervisor),
    supervisor: end(toSupervisor, toProcess),
    cut: () => (open = false),
  };
}

interface Member {
  metrics: Metrics;
  calls: Counter;
  cut(): void;
}

/** One server process with its own metrics, joined to the supervisor's gatherer as `id`. */
function startProcess(gatherer: ProcessMetricsGatherer, id: number, timeoutMs: number): Member {
  const own = createMetrics({ defaultMetrics: false });
  const calls = new Counter({ name: "calls_total", help: "calls", registers: [own.registry] });
  new Gauge({
    name: "up",
    help: "up",
    registers: [own.registry],
    aggregator: "min",
    collect() {
      this.set(id === 1 ? 0 : 1);
    },
  });
  const pair = channelPair();
  const metrics = shareProcessMetrics(own, pair.process, { timeoutMs });
  gatherer.join(id, pair.supervisor);
  return { metrics, calls, cut: pair.cut };
}

function startProcesses(count: number, timeoutMs = 2_000) {
  const gatherer = gatherProcessMetrics({ timeoutMs });
  const members = Array.from({ length: count }, (_, id) => startProcess(gatherer, id, timeoutMs));
  return { gatherer, members };
}

describe("metrics of several processes on one port", () => {
  it("answers every scrape, whichever process it reaches, with the sum over all of them", async () => {
    const { members } = startProcesses(3);
    members.forEach((m, i) => m.calls.inc(i + 1));
    for (const m of members) {
      const text = await m.metrics.render();
      expect(text).toContain("calls_total 6");
      expect(text).toContain("up 0");
    }
    members[2]!.calls.inc(4);
    expect(await members[0]!.metrics.render()).toContain("calls_total 10");
  });

  it("leaves out a process that exited, even in the middle of a sum", async () => {
    const { gatherer, members } = startProcesses(2);
    members[0]!.calls.inc(2);
    members[1]!.calls.inc(5);
    members[1]!.cut();
    const scrape = members[0]!.metrics.render();
    // The sum is under way, waiting for the process that will never answer.
    await new Promise((resolve) => setTimeout(resolve, 50));
    gatherer.leave(1);
    expect(await scrape).toContain("calls_total 2");
  });

  it("fails a scrape when a process does not answer, rather than answer a smaller sum", async () => {
    const { members } = startProcesses(2, 100);
    members[0]!.calls.inc(2);
    members[1]!.cut();
    await expect(members[0]!.metrics.render()).rejects.toThrow(/within 100 ms/);
  });

  it("keeps the counts of a process that exited in every later sum, but not its gauges", async () => {
    const { gatherer, members } = startProcesses(2);
    members[0]!.calls.inc(2);
    members[1]!.calls.inc(5);
    const registers = [members[1]!.metrics.registry];
    new Histogram({ name: "took_seconds", help: "took", buckets: [1], registers }).observe(0.5);
    const before = await members[0]!.metrics.render();
    expect(before).toContain("calls_total 7");
    expect(before).toContain("up 0");
    members[1]!.cut();
    gatherer.leave(1);
    const after = await members[0]!.metrics.render();
    expect(after).toContain("calls_total 7");
    expect(after).toContain('took_seconds_bucket{le="1"} 1');
    expect(after).toContain("took_seconds_count 1");
    expect(after).toContain("up 1");
    // Its replacement starts from zero; the total goes on from where it was.
    const replacement = startProcess(gatherer, 2, 2_000);
    replacement.calls.inc(1);
    expect(await replacement.metrics.render()).toContain("calls_total 8");
  });
});
