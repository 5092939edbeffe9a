import type { BenchSettings } from "./context.js";

/** What `pnpm bench [--duration=10s] [--warmup=3s] [--rounds=3] [name...]` asks for. */
export interface BenchArgs {
  readonly settings: BenchSettings;
  /** Figure names to run; empty: all. */
  readonly names: readonly string[];
}

/** Parses `10`, `10s`, `500ms` or `1m` into seconds. */
export function parseSeconds(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (m === null) throw new Error(`${what}: expected a duration such as 10s, got "${text}"`);
  const n = Number(m[1]);
  const seconds = m[2] === "ms" ? n / 1000 : m[2] === "m" ? n * 60 : n;
  if (seconds < 1) throw new Error(`${what}: at least 1s`);
  return Math.round(seconds);
}

/** Parses a number of rounds: a whole number from 1 to 9. */
export function parseRounds(text: string): number {
  if (!/^[1-9]$/.test(text.trim())) throw new Error(`rounds: expected 1 to 9, got "${text}"`);
  return Number(text);
}

/**
 * Reads the command line and BENCH_DURATION / BENCH_WARMUP / BENCH_ROUNDS (flags win).
 * Durations are whole seconds, as h2load takes them.
 */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BenchArgs {
  let duration = env["BENCH_DURATION"] ?? "10s";
  let warmup = env["BENCH_WARMUP"] ?? "3s";
  let rounds = env["BENCH_ROUNDS"] ?? "3";
  const names: string[] = [];
  for (const arg of argv) {
    if (arg === "--") continue;
    const flag = /^--(duration|warmup|rounds)=(.+)$/.exec(arg);
    if (flag?.[1] === "duration") duration = flag[2] as string;
    else if (flag?.[1] === "warmup") warmup = flag[2] as string;
    else if (flag?.[1] === "rounds") rounds = flag[2] as string;
    else if (arg.startsWith("-")) throw new Error(`unknown option ${arg}`);
    else names.push(arg);
  }
  return {
    settings: {
      durationS: parseSeconds(duration, "duration"),
      warmupS: parseSeconds(warmup, "warmup"),
      connections: 50,
      rounds: parseRounds(rounds),
    },
    names,
  };
}
