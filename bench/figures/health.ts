import { join } from "node:path";
import { freePort, spawnProcess, waitFor } from "@guardian/testkit";
import { figureOf } from "../lib/context.js";
import { repoRoot } from "../lib/processes.js";
import { connectJsonHeaders } from "../lib/rpc.js";
import type { FigureDef } from "./figure-def.js";
import { measured, sideBySide } from "./requests.js";

const checkPath = "/grpc.health.v1.Health/Check";

/**
 * `health_embedded`: the standard health check (`grpc.health.v1.Health/Check`, Connect JSON
 * over HTTP/1.1) against the embedded instance, side by side with a minimal connect-node
 * server answering the same RPC (Connect's own adapter on node:http, no interceptors): what
 * Guardian's per-call work (admission, metrics, the request log, the rate limit) adds to
 * Connect's.
 */
export const healthFigure: FigureDef = {
  names: ["health_embedded"],
  needs: ["embedded"],
  async run(ctx) {
    const dep = await ctx.embedded();
    const port = await freePort();
    const server = spawnProcess({
      name: "connect server",
      command: process.execPath,
      args: [
        "--import",
        `file://${join(repoRoot, "node_modules/tsx/dist/loader.mjs")}`,
        join(repoRoot, "bench/connect-server.ts"),
        String(port),
      ],
      logFile: join(ctx.workDir, "connect-server.log"),
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      const check = { method: "POST", headers: connectJsonHeaders, body: "{}" };
      await waitFor(async () => (await fetch(url + checkPath, check)).ok || undefined, {
        what: "the connect-node server to listen",
        timeoutMs: 30_000,
      });
      const rounds = await sideBySide(
        ctx,
        "health-embedded",
        {
          url: dep.url + checkPath,
          headers: { ...connectJsonHeaders },
          bodies: ["{}"],
          groups: () => dep.processGroups(),
        },
        {
          url: url + checkPath,
          headers: { ...connectJsonHeaders },
          bodies: ["{}"],
          groups: () => ({ "connect-node server": server.pid === undefined ? [] : [server.pid] }),
        },
      );
      const m = measured(
        rounds,
        "minimal connect-node server (connectNodeAdapter on node:http)",
        ctx.settings.connections,
      );
      return [figureOf(ctx, "health_embedded", "req/s", m)];
    } finally {
      await server.stop();
    }
  },
};
