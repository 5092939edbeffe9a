import { AuthService, ClusterService, ConfigService } from "@guardian/api";
import { createHealth, createLogger, createMetrics, createServer } from "@guardian/kit";
import type pg from "pg";
import { createAuthz, type Authz } from "../authz.js";
import { listenTo } from "./access-feed.js";
import type { AuthSettings } from "../settings.js";

/** A server whose streaming RPCs deliver the numbers a test pushes, behind the real RBAC. */
export interface StreamServer {
  url: string;
  authz: Authz;
  /** Sends `n` on every open stream (as a bookmark or observed revision). */
  push(n: number): void;
  /** How many handler streams are open. */
  open(): number;
  close(): Promise<void>;
}

/**
 * Starts kit's server on port 0 with the RBAC interceptor in front of stand-ins for every
 * server-streaming RPC a user can open (config Watch, cluster Observe, WatchInstances and
 * Campaign). Each stream sends 0 when it opens (except a Watch from start revision 1, which
 * stays quiet), then whatever the test pushes; it ends only when the call does. It tests what the interceptor does to open streams, alone.
 */
export async function startStreamServer(
  pool: pg.Pool,
  settings: AuthSettings,
): Promise<StreamServer> {
  const authz = createAuthz({ pool, settings, accessChanges: listenTo(pool) });
  const followers = new Set<(n: number) => void>();

  async function* follow(signal: AbortSignal, quiet = false): AsyncGenerator<number> {
    const queue: number[] = quiet ? [] : [0];
    let wake = () => {};
    const listener = (n: number) => {
      queue.push(n);
      wake();
    };
    followers.add(listener);
    const aborted = new Promise<void>((r) => signal.addEventListener("abort", () => r()));
    try {
      while (!signal.aborted) {
        const n = queue.shift();
        if (n !== undefined) {
          yield n;
          continue;
        }
        await Promise.race([new Promise<void>((r) => (wake = r)), aborted]);
      }
    } finally {
      followers.delete(listener);
    }
  }

  const server = createServer({
    logger: createLogger({ level: "silent" }),
    health: createHealth(),
    metrics: createMetrics({ defaultMetrics: false }),
    interceptors: [authz.interceptor],
    routes(router) {
      router.service(ConfigService, {
        async *watch(req, ctx) {
          for await (const n of follow(ctx.signal, req.startRevision === 1n)) {
            yield { kind: { case: "bookmark", value: { revision: BigInt(n) } } };
          }
        },
      });
      // Records Keycloak users on first sight, like every authenticated call.
      router.service(AuthService, { whoAmI: () => ({}) });
      router.service(ClusterService, {
        async *observe(_req, ctx) {
          for await (const n of follow(ctx.signal)) yield { revision: BigInt(n) };
        },
        async *watchInstances(_req, ctx) {
          for await (const n of follow(ctx.signal)) {
            yield { kind: { case: "snapshot", value: { revision: BigInt(n) } } };
          }
        },
        async *campaign(_req, ctx) {
          for await (const n of follow(ctx.signal)) {
            yield { event: { case: "renewed", value: { expireTime: { seconds: BigInt(n) } } } };
          }
        },
      });
    },
  });
  const { url } = await server.listen();
  return {
    url,
    authz,
    push: (n) => {
      for (const f of followers) f(n);
    },
    open: () => followers.size,
    async close() {
      await server.close();
      await authz.close();
    },
  };
}
