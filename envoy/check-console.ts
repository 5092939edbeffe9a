import { consoleAssetPrefix, consoleCluster, consolePaths } from "./console.js";
import type { GatewayRpc } from "./rpcs.js";

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};

/** Whether a match (exact path or prefix) covers `path`. */
function covers(match: Obj, path: string): boolean {
  const exact = match["path"];
  const prefix = match["prefix"];
  return exact === path || (typeof prefix === "string" && path.startsWith(prefix));
}

/**
 * Cross-checks the web console's routes in a parsed gateway config (canonical proto JSON):
 * its page and a sample asset reach the console cluster, through routes placed after every
 * RPC route, and need no JWT; and no RPC path can reach the console.
 */
export function checkConsoleRoutes(
  routes: readonly Obj[],
  jwtRules: readonly Obj[],
  rpcs: readonly GatewayRpc[],
): string[] {
  const problems: string[] = [];
  const lastRpc = Math.max(
    ...rpcs.map((rpc) => routes.findIndex((r) => obj(r["match"])["path"] === rpc.path)),
  );
  for (const path of [...consolePaths, `${consoleAssetPrefix}index-0a1b2c.js`]) {
    const at = routes.findIndex((r) => covers(obj(r["match"]), path));
    const cluster = obj(routes[at]?.["route"])["cluster"];
    if (cluster !== consoleCluster) {
      problems.push(`console path ${path} must route to ${consoleCluster}, not ${String(cluster)}`);
    } else if (at < lastRpc) {
      problems.push(`console path ${path} must be routed after every RPC`);
    }
    const rule = jwtRules.find((r) => covers(obj(r["match"]), path));
    if (rule === undefined || rule["requires"] !== undefined) {
      problems.push(`console path ${path} must need no JWT`);
    }
  }
  for (const rpc of rpcs) {
    const route = routes.find((r) => covers(obj(r["match"]), rpc.path));
    if (obj(route?.["route"])["cluster"] === consoleCluster) {
      problems.push(`${rpc.path} reaches the console`);
    }
  }
  return problems;
}
