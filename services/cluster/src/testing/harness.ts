import type { ConnectRouter } from "@connectrpc/connect";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { ClusterService } from "@guardian/api";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";
import type { ClusterBackend } from "../backend/types.js";
import { testLimits, type ClusterClient } from "../contract/helpers.js";
import { createClusterRoutes } from "../routes.js";

// The real cluster routes over `backend`, with the test limits, auditing to `pool`.
function testRoutes(backend: ClusterBackend, pool: pg.Pool): (router: ConnectRouter) => void {
  return createClusterRoutes({ backend, pool, limits: testLimits });
}

/** A client that talks to `backend` through the real routes, in memory. */
export function clientOf(backend: ClusterBackend, pool: pg.Pool): ClusterClient {
  return createClient(ClusterService, createRouterTransport(testRoutes(backend, pool)));
}

/** One backend served through the real routes, for the tests of a file or describe block. */
export interface ClusterHarness {
  /** A client of {@link routes}. */
  client(): ClusterClient;
  backend(): ClusterBackend;
  /** The routes, for a transport of a test's own (with interceptors, for example). */
  routes(): (router: ConnectRouter) => void;
  /** The database the routes audit membership changes to. */
  pool(): pg.Pool;
}

/**
 * Opens a backend with `open` in beforeAll and closes it in afterAll; its routes audit to
 * the database of `pool` (a test database, or the embedded one).
 */
export function useHarness(
  pool: () => pg.Pool,
  open: (pool: pg.Pool) => Promise<ClusterBackend>,
): ClusterHarness {
  let backend: ClusterBackend | undefined;
  let routes: ((router: ConnectRouter) => void) | undefined;
  let client: ClusterClient | undefined;

  beforeAll(async () => {
    backend = await open(pool());
    routes = testRoutes(backend, pool());
    client = createClient(ClusterService, createRouterTransport(routes));
  });

  afterAll(async () => {
    await backend?.close();
  });

  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("useHarness(): only available in tests and hooks");
    return value;
  };
  return {
    client: () => ready(client),
    backend: () => ready(backend),
    routes: () => ready(routes),
    pool,
  };
}
