import { setTimeout as sleep } from "node:timers/promises";
import { Etcd3 } from "etcd3";
import type { Deployment } from "../env/deployment.js";
import { figureOf, type BenchContext } from "../lib/context.js";
import { createDeliveryTracker, type DeliveryTracker } from "../lib/delivery.js";
import { etcdPrefix } from "../lib/etcd-peer.js";
import { benchProject, configValue, watchKey } from "../lib/fixture.js";
import { callRpc } from "../lib/rpc.js";
import { descendantsNamed, processTree, rssBytes } from "../lib/processes.js";
import { quantile, round } from "../lib/stats.js";
import { openEtcdWatchers, openGuardianWatchers, type Watchers } from "../lib/watchers.js";
import type { FigureDef } from "./figure-def.js";

/** What one side measured for N watchers. */
interface Side {
  /** Per write: ms from the write's acknowledgement until the last watcher had it. */
  readonly allDelivered: number[];
  /** Every (watcher, write) delivery, ms after the acknowledgement (0 when before it). */
  readonly deliveries: number[];
  /** Server RSS growth per 1,000 open streams, MB. */
  readonly mbPer1000: number;
  /** ms from opening the watchers until all had the first write. */
  readonly openMs: number;
  /** Streams that ended with an error (and were re-opened from their last revision). */
  readonly streamErrors: number;
}

interface SideSpec {
  readonly write: (seq: number) => Promise<bigint>;
  readonly open: (tracker: DeliveryTracker) => Promise<Watchers>;
  readonly rss: () => number;
}

/** Writes a marker until one reaches every watcher: then every stream is open. */
async function waitAllOpen(n: number, spec: SideSpec, tracker: DeliveryTracker): Promise<number> {
  const deadline = performance.now() + 60_000 + n * 20;
  for (let seq = 0; ; seq++) {
    const revision = await spec.write(seq);
    try {
      // Each marker goes to every stream open so far: space them out as streams add up.
      await tracker.waitAll(String(revision), Math.max(2_000, n * 2));
      return seq + 1;
    } catch (error) {
      if (performance.now() > deadline) throw error;
    }
  }
}

/**
 * The median of five readings of `rss`, 200 ms apart. One reading moves with the server's
 * collector: single readings before and after opening 1,000 streams once gave a growth of
 * -80 MB.
 */
async function settledRss(rss: () => number): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    if (i > 0) await sleep(200);
    readings.push(rss());
  }
  return quantile(readings, 0.5) ?? 0;
}

async function measureSide(n: number, writes: number, spec: SideSpec): Promise<Side> {
  const before = await settledRss(spec.rss);
  const tracker = createDeliveryTracker(n);
  const opened = performance.now();
  const watchers = await spec.open(tracker);
  try {
    const markers = await waitAllOpen(n, spec, tracker);
    const openMs = performance.now() - opened;
    const mbPer1000 = (((await settledRss(spec.rss)) - before) / n) * (1000 / 1024 ** 2);
    const allDelivered: number[] = [];
    const deliveries: number[] = [];
    for (let i = 0; i < writes; i++) {
      const revision = await spec.write(markers + i);
      const acked = performance.now();
      const times = await tracker.waitAll(String(revision), Math.max(30_000, n * 5));
      const after = times.map((t) => Math.max(0, t - acked));
      deliveries.push(...after);
      allDelivered.push(Math.max(...after));
      await sleep(50);
    }
    return { allDelivered, deliveries, mbPer1000, openMs, streamErrors: tracker.failures.length };
  } finally {
    await watchers.close();
  }
}

function guardianSpec(dep: Deployment, n: number): SideSpec {
  const pid = dep.server.pid ?? 0;
  return {
    write: async (seq) => {
      const res = await callRpc<{ revision: string }>(
        dep.url,
        "ConfigService",
        "UpdateConfig",
        { project: benchProject, key: watchKey, content: configValue(512, seq) },
        { authorization: dep.fixture.authorization },
        120_000,
      );
      return BigInt(res.revision);
    },
    open: async (tracker) => openGuardianWatchers(dep, n, tracker),
    rss: () => rssBytes(processTree(pid)),
  };
}

function etcdSpec(endpoints: string[], n: number, writer: Etcd3): SideSpec {
  return {
    write: async (seq) => {
      const res = await writer
        .put(etcdPrefix + watchKey)
        .value(JSON.stringify(configValue(512, seq)))
        .exec();
      return BigInt(res.header.revision);
    },
    open: (tracker) => openEtcdWatchers(endpoints, n, tracker),
    rss: () => rssBytes(descendantsNamed("etcd")),
  };
}

async function measurePropagation(ctx: BenchContext, n: number) {
  const dep = await ctx.embedded();
  const etcd = await ctx.etcd();
  const writes = n >= 10_000 ? 3 : 10;
  ctx.log(`bench: propagation_${n}: guardian`);
  const g = await measureSide(n, writes, guardianSpec(dep, n));
  ctx.log(`bench: propagation_${n}: etcd`);
  const writer = new Etcd3({ hosts: etcd.endpoints });
  const e = await measureSide(n, writes, etcdSpec(etcd.endpoints, n, writer)).finally(() =>
    writer.close(),
  );
  const memory =
    n >= 100
      ? `; server RSS per 1,000 streams: guardian ${round(g.mbPer1000)} MB, etcd ${round(e.mbPer1000)} MB (3 members)`
      : "";
  return figureOf(ctx, `propagation_${n}`, "ms", {
    guardian: quantile(g.allDelivered, 0.5),
    peer: quantile(e.allDelivered, 0.5),
    peer_name: "etcd watch (etcd3 client, 3 members)",
    p50_ms: quantile(g.deliveries, 0.5),
    p99_ms: quantile(g.deliveries, 0.99),
    peer_p50_ms: quantile(e.deliveries, 0.5),
    peer_p99_ms: quantile(e.deliveries, 0.99),
    concurrency: n,
    notes:
      `median over ${writes} writes of the time from acknowledgement to the last of ${n} watchers; ` +
      `all streams open and caught up in guardian ${Math.round(g.openMs)} ms, etcd ${Math.round(e.openMs)} ms` +
      memory +
      (g.streamErrors + e.streamErrors > 0
        ? `; streams ended by an error and re-opened: guardian ${g.streamErrors}, etcd ${e.streamErrors}`
        : ""),
  });
}

/** `propagation_<N>` for N = 1, 100, 1000 and 10000 watch streams on the embedded instance. */
export const propagationFigures: FigureDef[] = [1, 100, 1_000, 10_000].map((n) => ({
  names: [`propagation_${n}`],
  needs: ["etcd", "embedded"],
  run: async (ctx) => [await measurePropagation(ctx, n)],
}));
