import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from "prom-client";
import { sleep } from "../timing/backoff.js";
import type { Metrics } from "./metrics.js";

/**
 * One end of the IPC channel between a supervisor and one of its server processes: the
 * process's own `process` on one side, the supervisor's handle of that process on the other.
 */
export interface MetricsChannel {
  /** Sends one message; a channel that is gone drops it. */
  send(message: ProcessMetricsMessage): void;
  on(event: "message", listener: (message: unknown) => void): void;
  off(event: "message", listener: (message: unknown) => void): void;
}

/** One process's metrics, as `registry.getMetricsAsJSON()` gives them. */
type OwnMetrics = MetricObjectWithValues<MetricValue<string>>[];

/** What a supervisor and its processes say to each other about metrics. */
export type ProcessMetricsMessage =
  /** Process → supervisor: a scrape reached me; send me the sum over every process. */
  | { type: "guardian:metrics-ask"; id: number }
  /** Supervisor → process: send me your own metrics. */
  | { type: "guardian:metrics-collect"; id: number }
  /** Process → supervisor: my own metrics, or why there are none. */
  | { type: "guardian:metrics-own"; id: number; metrics?: OwnMetrics; error?: string }
  /** Supervisor → process: the sum in the text format, or why there is none. */
  | { type: "guardian:metrics-sum"; id: number; text?: string; error?: string };

function asMessage(value: unknown): ProcessMetricsMessage | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const m = value as { type?: unknown; id?: unknown };
  return typeof m.type === "string" &&
    m.type.startsWith("guardian:metrics-") &&
    Number.isInteger(m.id)
    ? (value as ProcessMetricsMessage)
    : undefined;
}

/**
 * Makes one of several server processes on one port serve the metrics of all of them: it
 * answers the supervisor's requests for its own metrics, and the returned metrics render, for
 * every scrape, the sum over every process that the supervisor gathers (prom-client's cluster
 * aggregation: each metric by its `aggregator`, a sum unless it says otherwise). So a scrape
 * that reaches any process sees the same totals, and counters do not go backwards because
 * consecutive scrapes reached different processes. A scrape fails when the sum is not
 * complete within `timeoutMs`.
 */
export function shareProcessMetrics(
  metrics: Metrics,
  supervisor: MetricsChannel,
  opts: { timeoutMs: number },
): Metrics {
  let nextId = 0;
  const waiting = new Map<number, (answer: { text?: string; error?: string }) => void>();
  supervisor.on("message", (value) => {
    const message = asMessage(value);
    if (message?.type === "guardian:metrics-collect") {
      metrics.registry.getMetricsAsJSON().then(
        (own) => supervisor.send({ type: "guardian:metrics-own", id: message.id, metrics: own }),
        (err: unknown) =>
          supervisor.send({ type: "guardian:metrics-own", id: message.id, error: String(err) }),
      );
    } else if (message?.type === "guardian:metrics-sum") {
      waiting.get(message.id)?.(message);
      waiting.delete(message.id);
    }
  });
  return {
    registry: metrics.registry,
    interceptor: metrics.interceptor,
    observer: metrics.observer,
    async render() {
      const id = nextId++;
      const timer = new AbortController();
      const answer = new Promise<{ text?: string; error?: string }>((resolve) =>
        waiting.set(id, resolve),
      );
      supervisor.send({ type: "guardian:metrics-ask", id });
      const result = await Promise.race([
        answer,
        sleep(opts.timeoutMs, timer.signal).then(() => undefined),
      ]);
      timer.abort();
      waiting.delete(id);
      if (result === undefined) {
        throw new Error(`the metrics of every process did not arrive within ${opts.timeoutMs} ms`);
      }
      if (result.text === undefined) throw new Error(result.error ?? "no metrics");
      return result.text;
    },
  };
}

/** The supervisor's side of {@link shareProcessMetrics}. */
export interface ProcessMetricsGatherer {
  /** Counts a process that listens in every sum from now on, and answers its scrapes. */
  join(id: number, channel: MetricsChannel): void;
  /** Leaves out a process that exited; sums waiting for it complete without it. */
  leave(id: number): void;
}

interface Round {
  readonly waitingFor: Set<number>;
  /** Each answering process's own metrics, by process. */
  readonly parts: Map<number, OwnMetrics>;
  finish(error?: string): void;
}

/** Metrics whose values only grow while a process lives: what a process that exits leaves. */
const cumulativeTypes = new Set(["counter", "histogram"]);

/**
 * Adds the cumulative metrics of `part` (counters, histogram buckets, sums and counts) to
 * `total`, value by value (same metric and labels), and returns the new total.
 */
function addCumulative(total: OwnMetrics, part: OwnMetrics): OwnMetrics {
  const key = (v: MetricValue<string>) =>
    JSON.stringify([(v as { metricName?: string }).metricName ?? "", v.labels]);
  const byName = new Map(
    total.map((m) => [m.name, { metric: m, values: new Map(m.values.map((v) => [key(v), v])) }]),
  );
  for (const metric of part) {
    if (!cumulativeTypes.has(String(metric.type))) continue;
    let into = byName.get(metric.name);
    if (into === undefined) byName.set(metric.name, (into = { metric, values: new Map() }));
    for (const v of metric.values) {
      const seen = into.values.get(key(v));
      into.values.set(key(v), seen === undefined ? v : { ...seen, value: seen.value + v.value });
    }
  }
  return [...byName.values()].map(({ metric, values }) => ({
    ...metric,
    values: [...values.values()],
  }));
}

/**
 * Gathers, for each scrape that reaches one of its processes, the metrics of every process
 * that joined, and answers the asking process with their sum (see {@link shareProcessMetrics}).
 * A process that does not answer within `timeoutMs` fails that scrape. The counters and
 * histograms a process last reported stay in every later sum after it exits, so the totals do
 * not go backwards when the supervisor replaces a process (its gauges leave with it).
 */
export function gatherProcessMetrics(opts: { timeoutMs: number }): ProcessMetricsGatherer {
  const members = new Map<number, { channel: MetricsChannel; listener: (m: unknown) => void }>();
  const rounds = new Map<number, Round>();
  let nextRound = 0;
  /** Each process's metrics as its latest complete sum counted them. */
  const lastCounted = new Map<number, OwnMetrics>();
  /** The cumulative metrics that processes which exited had reported. */
  let departed: OwnMetrics = [];

  const sum = (asker: number, askId: number): void => {
    const id = nextRound++;
    const timer = new AbortController();
    let done = false;
    const round: Round = {
      waitingFor: new Set(members.keys()),
      parts: new Map(),
      finish(error) {
        if (done) return;
        done = true;
        rounds.delete(id);
        timer.abort();
        const reply = (answer: { text?: string; error?: string }) =>
          members.get(asker)?.channel.send({ type: "guardian:metrics-sum", id: askId, ...answer });
        if (error !== undefined) return reply({ error });
        // A process that exited during the round counts by what `departed` holds of it.
        const parts = [departed];
        for (const [member, part] of round.parts) {
          if (!members.has(member)) continue;
          lastCounted.set(member, part);
          parts.push(part);
        }
        Promise.resolve()
          .then(() => AggregatorRegistry.aggregate(parts).metrics())
          .then(
            (text) => reply({ text }),
            (err: unknown) => reply({ error: String(err) }),
          );
      },
    };
    rounds.set(id, round);
    for (const member of round.waitingFor) {
      members.get(member)?.channel.send({ type: "guardian:metrics-collect", id });
    }
    if (round.waitingFor.size === 0) return round.finish();
    void sleep(opts.timeoutMs, timer.signal).then(() =>
      round.finish(
        `no metrics from ${round.waitingFor.size} process(es) within ${opts.timeoutMs} ms`,
      ),
    );
  };

  const heard = (from: number, message: ProcessMetricsMessage): void => {
    if (message.type === "guardian:metrics-ask") return sum(from, message.id);
    if (message.type !== "guardian:metrics-own") return;
    const round = rounds.get(message.id);
    if (round === undefined || !round.waitingFor.delete(from)) return;
    if (message.error !== undefined) return round.finish(message.error);
    round.parts.set(from, message.metrics ?? []);
    if (round.waitingFor.size === 0) round.finish();
  };

  return {
    join(id, channel) {
      const listener = (value: unknown) => {
        const message = asMessage(value);
        if (message !== undefined) heard(id, message);
      };
      members.set(id, { channel, listener });
      channel.on("message", listener);
    },
    leave(id) {
      const member = members.get(id);
      if (member === undefined) return;
      member.channel.off("message", member.listener);
      members.delete(id);
      const last = lastCounted.get(id);
      lastCounted.delete(id);
      if (last !== undefined) departed = addCumulative(departed, last);
      for (const round of [...rounds.values()]) {
        if (round.waitingFor.delete(id) && round.waitingFor.size === 0) round.finish();
      }
    },
  };
}
