import { setTimeout as sleep } from "node:timers/promises";
import { figureOf } from "../lib/context.js";
import { benchProject, configValue, writeKey } from "../lib/fixture.js";
import { connectJsonHeaders, rpcPath } from "../lib/rpc.js";
import { quantile } from "../lib/stats.js";
import type { FigureDef } from "./figure-def.js";

/** Restarts measured; the figure is their median. */
const restarts = 3;

/**
 * `store_restart`: in production mode, the store process is stopped (SIGTERM) and started
 * again on its port; the figure is the time from the new command to its `/readyz` answering
 * 200. The notes add when the first `UpdateConfig` through the API process (which kept
 * running) succeeded again, from the same command.
 */
export const restartFigure: FigureDef = {
  names: ["store_restart"],
  needs: ["etcd", "production"],
  async run(ctx) {
    const dep = await ctx.production();
    if (dep.restartStore === undefined) throw new Error("the deployment cannot restart its store");
    const write = async (): Promise<boolean> => {
      const res = await fetch(dep.url + rpcPath("ConfigService", "UpdateConfig"), {
        method: "POST",
        headers: { ...connectJsonHeaders, authorization: dep.fixture.authorization },
        body: JSON.stringify({ project: benchProject, key: writeKey(0), content: configValue() }),
        signal: AbortSignal.timeout(5_000),
      }).catch(() => undefined);
      await res?.arrayBuffer();
      return res?.status === 200;
    };
    const ready: number[] = [];
    const writing: number[] = [];
    for (let i = 0; i < restarts; i++) {
      const { startedAt, readyMs } = await dep.restartStore();
      while (!(await write())) {
        if (performance.now() - startedAt > 60_000) throw new Error("no write in 60 s");
        await sleep(10);
      }
      ready.push(readyMs);
      writing.push(performance.now() - startedAt);
    }
    return [
      figureOf(ctx, "store_restart", "ms", {
        guardian: quantile(ready, 0.5),
        notes:
          `median of ${restarts} restarts (${ready.map(Math.round).join(", ")} ms); ` +
          `the first UpdateConfig through the API process succeeded ` +
          `${writing.map(Math.round).join(", ")} ms after the command`,
      }),
    ];
  },
};
