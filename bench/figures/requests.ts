import type { Deployment } from "../env/deployment.js";
import { figureOf, type BenchContext, type Measured } from "../lib/context.js";
import { etcdPut, etcdPutBody, etcdRangeBody, etcdVersion } from "../lib/etcd-peer.js";
import { benchProject, configValue, readKey, writeKey } from "../lib/fixture.js";
import { describeCpu, measureCpu, type CpuUse, type ProcessGroups } from "../lib/cpu.js";
import { runLoad, type LoadResult } from "../lib/h2load.js";
import { descendantsNamed } from "../lib/processes.js";
import { connectJsonHeaders, readGauge, rpcPath } from "../lib/rpc.js";
import type { FigureDef } from "./figure-def.js";

/** One load run and the CPU time the side's processes spent during it. */
interface Round extends LoadResult {
  readonly cpu: CpuUse;
  /** Guardian: revisions its read cache was behind the store right after the load. */
  readonly cacheLag?: number | undefined;
}

/** The loads of both sides, in the order they ran. */
interface Rounds {
  g: Round[];
  e: Round[];
}

/** etcd's processes: the peer's side of every request figure. */
const etcdGroups = (): ProcessGroups => ({ etcd: descendantsNamed("etcd") });

async function loadRound(
  groups: () => ProcessGroups,
  load: () => Promise<LoadResult>,
): Promise<Round> {
  const { result, cpu } = await measureCpu(groups, load);
  return { ...result, cpu };
}

/**
 * Runs the Guardian load and then the peer's (etcd's, unless it names its own processes and
 * headers), with the same h2load settings, for `ctx.settings.rounds` rounds: the sides
 * alternate, so that a minute when other work on the machine slows everything falls on both.
 */
export async function sideBySide(
  ctx: BenchContext,
  label: string,
  guardian: {
    url: string;
    headers: Record<string, string>;
    bodies: string[];
    groups: () => ProcessGroups;
    /** The deployment's base URL, for its read cache's lag after each load. */
    base?: string;
  },
  peer: {
    url: string;
    bodies: string[];
    headers?: Record<string, string>;
    groups?: () => ProcessGroups;
  },
): Promise<Rounds> {
  const common = {
    connections: ctx.settings.connections,
    durationS: ctx.settings.durationS,
    warmupS: ctx.settings.warmupS,
    workDir: ctx.workDir,
  };
  const rounds: Rounds = { g: [], e: [] };
  for (let r = 1; r <= ctx.settings.rounds; r++) {
    const round = ctx.settings.rounds > 1 ? ` (round ${r} of ${ctx.settings.rounds})` : "";
    ctx.log(`bench: ${label}: guardian${round}`);
    const { groups, base, ...spec } = guardian;
    const g = await loadRound(groups, () =>
      runLoad({ ...common, ...spec, label: `${label}-guardian-${r}` }),
    );
    const cacheLag =
      base === undefined ? undefined : await readGauge(base, "guardian_read_cache_lag_revisions");
    rounds.g.push({ ...g, cacheLag });
    ctx.log(`bench: ${label}: peer${round}`);
    rounds.e.push(
      await loadRound(peer.groups ?? etcdGroups, () =>
        runLoad({
          ...common,
          url: peer.url,
          bodies: peer.bodies,
          headers: peer.headers ?? { "content-type": "application/json" },
          label: `${label}-peer-${r}`,
        }),
      ),
    );
  }
  return rounds;
}

/** The round with the median throughput (the lower middle one of an even number). */
function medianRound(results: Round[]): Round {
  const sorted = [...results].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export function measured({ g: gs, e: es }: Rounds, peerName: string, conns: number): Measured {
  const g = medianRound(gs);
  const e = medianRound(es);
  const list = (xs: LoadResult[]) => xs.map((x) => Math.round(x.rps)).join(", ");
  return {
    guardian: g.rps,
    peer: e.rps,
    peer_name: peerName,
    p50_ms: g.p50Ms,
    p99_ms: g.p99Ms,
    peer_p50_ms: e.p50Ms,
    peer_p99_ms: e.p99Ms,
    concurrency: conns,
    notes: [
      ...(gs.length > 1
        ? [
            `median of ${gs.length} alternating rounds (guardian ${list(gs)} req/s; ` +
              `peer ${list(es)} req/s)`,
          ]
        : []),
      `CPU per request in the median rounds: guardian: ${describeCpu(g.cpu, g.rps)}, ` +
        `peer: ${describeCpu(e.cpu, e.rps)}`,
      ...(gs.some((x) => x.cacheLag !== undefined)
        ? [
            `Guardian's read cache behind the store by ` +
              `${gs.map((x) => x.cacheLag ?? "?").join(", ")} revisions right after each load`,
          ]
        : []),
    ].join("; "),
  };
}

/** ReadConfig by API key against etcd's serializable range of the same 512 bytes. */
async function measureRead(ctx: BenchContext, dep: Deployment): Promise<Measured> {
  const endpoint = (await ctx.etcd()).endpoints[0] as string;
  await etcdPut(endpoint, readKey, configValue());
  const rounds = await sideBySide(
    ctx,
    `read-${dep.mode}`,
    {
      url: dep.url + rpcPath("ConfigService", "ReadConfig"),
      headers: { ...connectJsonHeaders, "x-api-key": dep.fixture.apiKey },
      bodies: [JSON.stringify({ project: benchProject, key: readKey })],
      groups: () => dep.processGroups(),
      base: dep.url,
    },
    { url: `${endpoint}/v3/kv/range`, bodies: [etcdRangeBody(readKey)] },
  );
  const name = `etcd ${await etcdVersion(endpoint)} serializable range (JSON gateway, 3 members)`;
  return measured(rounds, name, ctx.settings.connections);
}

/** Unconditional, schema-bound UpdateConfig (one key per connection) against etcd puts. */
async function measureWrite(ctx: BenchContext, dep: Deployment): Promise<Measured> {
  const endpoint = (await ctx.etcd()).endpoints[0] as string;
  const n = ctx.settings.connections;
  const keys = Array.from({ length: n }, (_, i) => writeKey(i));
  const rounds = await sideBySide(
    ctx,
    `write-${dep.mode}`,
    {
      url: dep.url + rpcPath("ConfigService", "UpdateConfig"),
      headers: { ...connectJsonHeaders, authorization: dep.fixture.authorization },
      bodies: keys.map((key, i) =>
        JSON.stringify({ project: benchProject, key, content: configValue(512, i) }),
      ),
      groups: () => dep.processGroups(),
      base: dep.url,
    },
    {
      url: `${endpoint}/v3/kv/put`,
      bodies: keys.map((key, i) => etcdPutBody(key, configValue(512, i))),
    },
  );
  const name = `etcd ${await etcdVersion(endpoint)} put (JSON gateway, 3 members)`;
  return measured(rounds, name, n);
}

/** `read`, `read_embedded`, `write` and `write_embedded`. */
export const requestFigures: FigureDef[] = [
  {
    names: ["read"],
    needs: ["etcd", "production"],
    run: async (ctx) => [
      figureOf(ctx, "read", "req/s", await measureRead(ctx, await ctx.production())),
    ],
  },
  {
    names: ["read_embedded"],
    needs: ["etcd", "embedded"],
    run: async (ctx) => [
      figureOf(ctx, "read_embedded", "req/s", await measureRead(ctx, await ctx.embedded())),
    ],
  },
  {
    names: ["write"],
    needs: ["etcd", "production"],
    run: async (ctx) => [
      figureOf(ctx, "write", "req/s", await measureWrite(ctx, await ctx.production())),
    ],
  },
  {
    names: ["write_embedded"],
    needs: ["etcd", "embedded"],
    run: async (ctx) => [
      figureOf(ctx, "write_embedded", "req/s", await measureWrite(ctx, await ctx.embedded())),
    ],
  },
];
