import { startEtcdCluster, type EtcdCluster } from "@guardian/testkit";
import type { Deployment } from "../env/deployment.js";
import { startEmbedded } from "../env/embedded.js";
import { startProduction } from "../env/production.js";
import type { Figure } from "./results.js";
import { ratioOf, round } from "./stats.js";
import { describeMachine, type Machine } from "./system.js";

/** How hard and how long to load. */
export interface BenchSettings {
  /** Seconds of each measured load run. */
  readonly durationS: number;
  /** Seconds of warm-up before each load run. */
  readonly warmupS: number;
  /** Connections of the request/response figures. */
  readonly connections: number;
  /**
   * Rounds of each request/response figure: Guardian's load and the peer's, alternating;
   * each side's figure is its median round.
   */
  readonly rounds: number;
}

/** What a figure may ask the runner for; each is started once, on first use. */
export type Resource = "etcd" | "embedded" | "production";

/** Shared state of one bench run. */
export interface BenchContext {
  readonly settings: BenchSettings;
  /** Temp folder of this run (data dirs, logs, h2load files), removed at the end. */
  readonly workDir: string;
  readonly machine: Machine;
  log(line: string): void;
  /** The 3-member etcd cluster: the production store's and the peer of every figure. */
  etcd(): Promise<EtcdCluster>;
  embedded(): Promise<Deployment>;
  production(): Promise<Deployment>;
  /** Stops the started resources that are not in `keep`. */
  release(keep: ReadonlySet<Resource>): Promise<void>;
}

/** Creates the context; resources start lazily and `release(new Set())` stops them all. */
export function createContext(settings: BenchSettings, workDir: string): BenchContext {
  const log = (line: string) => console.log(line);
  const started = new Map<Resource, Promise<{ stop(): Promise<void> }>>();
  const once = <T extends { stop(): Promise<void> }>(r: Resource, start: () => Promise<T>) => {
    let running = started.get(r) as Promise<T> | undefined;
    if (running === undefined) {
      log(`bench: starting ${r}`);
      running = start();
      started.set(r, running);
    }
    return running;
  };
  const ctx: BenchContext = {
    settings,
    workDir,
    machine: describeMachine(),
    log,
    etcd: () => once("etcd", () => startEtcdCluster({ size: 3 })),
    embedded: () => once("embedded", () => startEmbedded(workDir, settings.connections)),
    production: () =>
      once("production", async () =>
        startProduction(workDir, await ctx.etcd(), settings.connections),
      ),
    async release(keep) {
      // Deployments first: the production store depends on etcd.
      for (const r of ["embedded", "production", "etcd"] as const) {
        const running = started.get(r);
        if (keep.has(r) || running === undefined) continue;
        started.delete(r);
        log(`bench: stopping ${r}`);
        await running.then((x) => x.stop()).catch(() => {});
      }
    },
  };
  return ctx;
}

/** The measured numbers of one figure, before the runner adds name, unit and machine. */
export interface Measured {
  readonly guardian: number | null;
  readonly peer?: number | null;
  readonly peer_name?: string | null;
  readonly p50_ms?: number | null;
  readonly p99_ms?: number | null;
  readonly peer_p50_ms?: number | null;
  readonly peer_p99_ms?: number | null;
  readonly concurrency?: number | null;
  readonly notes?: string;
}

/** Builds a figure: rounds the numbers and sets ratio = guardian/peer. */
export function figureOf(ctx: BenchContext, name: string, unit: string, m: Measured): Figure {
  const guardian = round(m.guardian);
  const peer = round(m.peer ?? null);
  return {
    name,
    unit,
    guardian,
    peer,
    peer_name: m.peer_name ?? null,
    ratio: ratioOf(guardian, peer),
    p50_ms: round(m.p50_ms ?? null, 3),
    p99_ms: round(m.p99_ms ?? null, 3),
    ...(m.peer_p50_ms === undefined ? {} : { peer_p50_ms: round(m.peer_p50_ms, 3) }),
    ...(m.peer_p99_ms === undefined ? {} : { peer_p99_ms: round(m.peer_p99_ms, 3) }),
    concurrency: m.concurrency ?? null,
    machine: ctx.machine,
    ...(m.notes === undefined ? {} : { notes: m.notes }),
  };
}

/** A figure that could not be measured: every number null, the reason in `error`. */
export function failedFigure(
  ctx: BenchContext,
  name: string,
  unit: string,
  error: unknown,
): Figure {
  const message = error instanceof Error ? error.message : String(error);
  return { ...figureOf(ctx, name, unit, { guardian: null }), error: message.slice(0, 2000) };
}
