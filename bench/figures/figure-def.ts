import type { BenchContext, Resource } from "../lib/context.js";
import type { Figure } from "../lib/results.js";

/** A group of figures measured together. */
export interface FigureDef {
  /** The figures it produces; `pnpm bench <name>` selects the group by any of them. */
  readonly names: readonly string[];
  /** Resources it uses; the runner stops each once no later figure needs it. */
  readonly needs: readonly Resource[];
  /** Measures; a thrown error fails every figure of the group. */
  run(ctx: BenchContext): Promise<Figure[]>;
}

/** The unit of a figure, by its name: latencies in ms, memory in MB, the rest req/s. */
export function unitOf(name: string): string {
  if (name.startsWith("propagation_") || name.startsWith("embedded_start_")) return "ms";
  if (name === "store_restart") return "ms";
  if (name.endsWith("_rss_idle")) return "MB";
  return "req/s";
}
