import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "@guardian/testkit";
import { embeddedEnv, writeHugeLimits } from "../env/embedded.js";
import { figureOf } from "../lib/context.js";
import { processTree, rssBytes, startGuardian, waitReady } from "../lib/processes.js";
import { quantile } from "../lib/stats.js";
import type { FigureDef } from "./figure-def.js";

/** How long the instance idles before its RSS is read. */
const idleMs = 5_000;
/** Warm starts measured; the warm start and idle memory figures are their medians. */
const warmStarts = 5;

/**
 * `embedded_start_cold`, `embedded_start_warm` and `embedded_rss_idle`: `./guardian dev` from
 * the command to `/readyz` answering 200, first on a fresh data dir with an empty TMPDIR (so
 * no transpile cache of tsx), then {@link warmStarts} more starts on the same data dir, one
 * after the other, each one's RSS (process and children) read after it idled a few seconds.
 * A single start moves by a fifth from one to the next on a shared machine, so the warm
 * figures are medians, with every reading in the notes.
 */
export const startFigures: FigureDef = {
  names: ["embedded_start_cold", "embedded_start_warm", "embedded_rss_idle"],
  needs: [],
  async run(ctx) {
    const dir = join(ctx.workDir, "start");
    const tmp = join(dir, "tmp");
    mkdirSync(tmp, { recursive: true });
    const limits = writeHugeLimits(dir);
    const startOnce = async (name: string) => {
      const port = await freePort();
      const env = { ...embeddedEnv(join(dir, "data"), port, limits), TMPDIR: tmp };
      const began = performance.now();
      const child = startGuardian({ args: ["dev"], env, logDir: dir, name });
      try {
        await waitReady(`http://127.0.0.1:${port}`, child, { timeoutMs: 120_000, intervalMs: 10 });
      } catch (error) {
        await child.stop();
        throw error;
      }
      return { child, ms: performance.now() - began };
    };
    const cold = await startOnce("start-cold");
    await cold.child.stop({ timeoutMs: 20_000 });
    const warmMs: number[] = [];
    const rssMb: number[] = [];
    for (let i = 0; i < warmStarts; i++) {
      const warm = await startOnce(`start-warm-${i + 1}`);
      try {
        await sleep(idleMs);
        const pid = warm.child.pid;
        if (pid !== undefined) rssMb.push(rssBytes(processTree(pid)) / 1024 ** 2);
        warmMs.push(warm.ms);
      } finally {
        await warm.child.stop({ timeoutMs: 20_000 });
      }
    }
    const list = (xs: number[]) => xs.map(Math.round).join(", ");
    return [
      figureOf(ctx, "embedded_start_cold", "ms", { guardian: cold.ms }),
      figureOf(ctx, "embedded_start_warm", "ms", {
        guardian: quantile(warmMs, 0.5),
        notes: `median of ${warmStarts} warm starts (${list(warmMs)} ms)`,
      }),
      figureOf(ctx, "embedded_rss_idle", "MB", {
        guardian: quantile(rssMb, 0.5),
        notes:
          `median of the RSS of the server process and its children after ${idleMs / 1000} s ` +
          `idle after each warm start (${list(rssMb)} MB)`,
      }),
    ];
  },
};
