import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Machine } from "./system.js";

/** One measured figure, as written to `bench/results/latest.json`. */
export interface Figure {
  readonly name: string;
  /** `req/s` for throughputs (higher is better), `ms` or `MB` otherwise (lower is better). */
  readonly unit: string;
  readonly guardian: number | null;
  readonly peer: number | null;
  readonly peer_name: string | null;
  /** guardian/peer; null without a peer or when the figure failed. */
  readonly ratio: number | null;
  /** Latency percentiles of Guardian's side. */
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
  /** Connections (request figures) or watch streams (propagation); null otherwise. */
  readonly concurrency: number | null;
  readonly machine: Machine;
  /** Latency percentiles of the peer's side, when there is one. */
  readonly peer_p50_ms?: number | null;
  readonly peer_p99_ms?: number | null;
  /** Further measurements shown in the Markdown (ceiling, memory per 1,000 streams, ...). */
  readonly notes?: string;
  /** Set when the figure failed; its numbers are then null. */
  readonly error?: string;
}

const fmt = (v: number | null | undefined): string =>
  v === null || v === undefined ? "–" : String(v);

/** Renders the figures as a Markdown table, notes and failures below it. */
export function toMarkdown(figures: readonly Figure[], startedAt: Date): string {
  const machine = figures[0]?.machine;
  const lines = [
    `# Benchmark results`,
    ``,
    `Run at ${startedAt.toISOString()}` +
      (machine === undefined
        ? ""
        : ` on ${machine.cores} cores (${machine.cpu}), ${machine.memory_gb} GB, Node ${machine.node}, ${machine.os}.`),
    ``,
    `| figure | unit | guardian | peer | peer name | ratio | p50 ms | p99 ms | peer p50 ms | peer p99 ms | concurrency |`,
    `| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |`,
    ...figures.map(
      (f) =>
        `| ${f.name} | ${f.unit} | ${f.error ? "FAILED" : fmt(f.guardian)} | ${fmt(f.peer)} | ` +
        `${f.peer_name ?? "–"} | ${fmt(f.ratio)} | ${fmt(f.p50_ms)} | ${fmt(f.p99_ms)} | ` +
        `${fmt(f.peer_p50_ms)} | ${fmt(f.peer_p99_ms)} | ${fmt(f.concurrency)} |`,
    ),
  ];
  const notes = figures.filter((f) => f.notes);
  if (notes.length > 0)
    lines.push(``, `## Notes`, ``, ...notes.map((f) => `- ${f.name}: ${f.notes}`));
  const failed = figures.filter((f) => f.error);
  if (failed.length > 0) {
    lines.push(``, `## Failed`, ``, ...failed.map((f) => `- ${f.name}: ${f.error}`));
  }
  return lines.join("\n") + "\n";
}

/**
 * Writes `latest.json` and `latest.md` into `dir`, and puts the same table into the README
 * between its `<!-- results -->` and `<!-- /results -->` markers.
 */
export function writeResults(
  dir: string,
  readme: string,
  figures: readonly Figure[],
  startedAt: Date,
): void {
  mkdirSync(dir, { recursive: true });
  const markdown = toMarkdown(figures, startedAt);
  writeFileSync(join(dir, "latest.json"), JSON.stringify(figures, null, 2) + "\n");
  writeFileSync(join(dir, "latest.md"), markdown);
  if (!existsSync(readme)) return;
  const text = readFileSync(readme, "utf8");
  const start = text.indexOf("<!-- results -->");
  const end = text.indexOf("<!-- /results -->");
  if (start < 0 || end < start) return;
  // The README has its own heading; the table starts at the "Run at" line.
  const body = markdown.slice(markdown.indexOf("Run at")).replace(/^## /gm, "### ");
  const updated = `${text.slice(0, start)}<!-- results -->\n\n${body}\n${text.slice(end)}`;
  writeFileSync(readme, updated);
}
