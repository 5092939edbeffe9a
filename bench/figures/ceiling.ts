import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, spawnProcess, waitFor } from "@guardian/testkit";
import { figureOf } from "../lib/context.js";
import { benchProject, readKey } from "../lib/fixture.js";
import { runLoad } from "../lib/h2load.js";
import { repoRoot } from "../lib/processes.js";
import { connectJsonHeaders, rpcPath } from "../lib/rpc.js";
import type { FigureDef } from "./figure-def.js";

/**
 * `read_ceiling`: a bare node:http server answering with the bytes of the embedded
 * instance's ReadConfig response, under the same load as `read`: what one Node process
 * can serve at most here, Guardian's work aside.
 */
export const ceilingFigure: FigureDef = {
  names: ["read_ceiling"],
  needs: ["embedded"],
  async run(ctx) {
    const dep = await ctx.embedded();
    const request = JSON.stringify({ project: benchProject, key: readKey });
    const res = await fetch(dep.url + rpcPath("ConfigService", "ReadConfig"), {
      method: "POST",
      headers: { ...connectJsonHeaders, "x-api-key": dep.fixture.apiKey },
      body: request,
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`ReadConfig answered ${res.status}: ${bytes}`);
    const bodyFile = join(ctx.workDir, "ceiling-response.json");
    writeFileSync(bodyFile, bytes);
    const port = await freePort();
    const server = spawnProcess({
      name: "ceiling server",
      command: process.execPath,
      args: [
        "--import",
        `file://${join(repoRoot, "node_modules/tsx/dist/loader.mjs")}`,
        join(repoRoot, "bench/ceiling-server.ts"),
        String(port),
        bodyFile,
        res.headers.get("content-type") ?? "application/json",
      ],
      logFile: join(ctx.workDir, "ceiling.log"),
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(url, { method: "POST" })).ok || undefined, {
        what: "the ceiling server to listen",
        timeoutMs: 30_000,
      });
      const load = await runLoad({
        label: "read-ceiling",
        url: url + rpcPath("ConfigService", "ReadConfig"),
        headers: { ...connectJsonHeaders },
        bodies: [request],
        connections: ctx.settings.connections,
        durationS: ctx.settings.durationS,
        warmupS: ctx.settings.warmupS,
        workDir: ctx.workDir,
      });
      return [
        figureOf(ctx, "read_ceiling", "req/s", {
          guardian: load.rps,
          p50_ms: load.p50Ms,
          p99_ms: load.p99Ms,
          concurrency: ctx.settings.connections,
          notes: `bare node:http server returning the ${bytes.length} bytes of a ReadConfig response; not Guardian: the most one Node process serves with this load here`,
        }),
      ];
    } finally {
      await server.stop();
    }
  },
};
