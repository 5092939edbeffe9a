import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnProcess } from "@guardian/testkit";
import { quantile } from "./stats.js";

/** One load run: POST bodies to one URL over HTTP/1.1 from `connections` connections. */
export interface LoadSpec {
  /** Short label for file names, such as `read-guardian`. */
  readonly label: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  /**
   * Request bodies. One body: a single h2load with every connection. Several: one h2load
   * per body, the connections split evenly, so each group of connections sends its own body
   * (distinct keys per connection for writes).
   */
  readonly bodies: readonly string[];
  readonly connections: number;
  readonly durationS: number;
  readonly warmupS: number;
  /** Folder for body, output and per-request log files. */
  readonly workDir: string;
}

/** What a load run measured (warm-up excluded). */
export interface LoadResult {
  /** Completed 2xx requests per second, summed over every h2load. */
  readonly rps: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly requests: number;
}

interface Parsed {
  readonly rps: number;
  readonly done: number;
  readonly non2xx: string | undefined;
}

/** Parses h2load's summary; `non2xx` describes the failure when anything was not a 2xx. */
export function parseH2loadOutput(text: string): Parsed {
  const finished = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(text);
  const requests =
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
      text,
    );
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(text);
  if (finished === null || requests === null || codes === null) {
    throw new Error(`unexpected h2load output:\n${text.slice(-2000)}`);
  }
  const [, , , done, , failed, errored, timeout] = requests.map(Number);
  const [, , c3, c4, c5] = codes.map(Number);
  const problems = [
    c3 ? `${c3} 3xx` : "",
    c4 ? `${c4} 4xx` : "",
    c5 ? `${c5} 5xx` : "",
    failed ? `${failed} failed` : "",
    errored ? `${errored} errored` : "",
    timeout ? `${timeout} timed out` : "",
  ].filter((p) => p !== "");
  return {
    rps: Number(finished[1]),
    done: done ?? 0,
    non2xx: problems.length > 0 ? problems.join(", ") : undefined,
  };
}

/**
 * Runs h2load (`--h1`, warm-up then a timed run) and returns throughput and latency
 * percentiles from its per-request log. Throws when any response was not a 2xx: an error
 * answer is not throughput.
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const groups = spec.bodies.length;
  if (groups === 0 || spec.connections % groups !== 0) {
    throw new Error(`${spec.connections} connections do not split over ${groups} bodies`);
  }
  const runs = spec.bodies.map((body, i) => {
    const base = join(spec.workDir, `${spec.label}-${i}`);
    writeFileSync(`${base}.body`, body);
    const headerArgs = Object.entries(spec.headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
    const child = spawnProcess({
      name: `h2load ${spec.label}`,
      command: "h2load",
      args: [
        "--h1",
        ...["-c", String(spec.connections / groups), "-m", "1"],
        ...["-D", String(spec.durationS), "--warm-up-time", String(spec.warmupS)],
        ...["-d", `${base}.body`, "--log-file", `${base}.requests`],
        ...headerArgs,
        spec.url,
      ],
      logFile: `${base}.out`,
    });
    return { base, child };
  });
  const exits = await Promise.all(runs.map((r) => r.child.exit));
  let rps = 0;
  let requests = 0;
  const latencies: number[] = [];
  for (const [i, { base }] of runs.entries()) {
    const out = readFileSync(`${base}.out`, "utf8");
    const exit = exits[i];
    if (exit?.code !== 0) throw new Error(`h2load exited with ${exit?.code}:\n${out.slice(-2000)}`);
    const parsed = parseH2loadOutput(out);
    if (parsed.non2xx !== undefined) {
      throw new Error(`${spec.label}: not every response was 2xx (${parsed.non2xx})`);
    }
    rps += parsed.rps;
    requests += parsed.done;
    for (const line of readFileSync(`${base}.requests`, "utf8").split("\n")) {
      const [, status, micros] = line.split("\t");
      if (status !== undefined && status.startsWith("2")) latencies.push(Number(micros) / 1000);
    }
  }
  if (latencies.length === 0)
    throw new Error(`${spec.label}: no request completed in the timed run`);
  return { rps, requests, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99) };
}
