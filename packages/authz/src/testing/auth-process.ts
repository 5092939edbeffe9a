import { ConnectError, createContextValues } from "@connectrpc/connect";
import { ConfigService } from "@guardian/api";
import { waitFor } from "@guardian/testkit";
import type pg from "pg";
import type { AccessChangesSource } from "../access-changes/start.js";
import { createAuthz, type Authz } from "../authz.js";
import { authenticatedKey, type Authenticated } from "../credentials/authenticate.js";
import type { AuthSettings } from "../settings.js";

/** One server process's authentication, on its own pool, with its queries counted. */
export interface AuthProcess {
  authz: Authz;
  pool: pg.Pool;
  /** Queries this process's pool ran since the last {@link AuthProcess.resetQueries}. */
  queries(): number;
  resetQueries(): void;
  /** Authenticates a ReadConfig call with these headers, as the server's admission does. */
  authenticate(headers: Record<string, string>): Promise<Authenticated>;
  /** Resolves once the process hears access changes. */
  live(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the authentication of one process on `pool`, counting every query sent through the
 * pool (the process's own and any the test sends through it).
 */
export function startAuthProcess(opts: {
  pool: pg.Pool;
  settings: AuthSettings;
  source: AccessChangesSource;
}): AuthProcess {
  const { pool } = opts;
  let queries = 0;
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  Object.assign(pool, {
    query: (...args: unknown[]) => {
      queries++;
      return query(...args);
    },
  });
  const authz = createAuthz({ pool, settings: opts.settings, accessChanges: opts.source });
  return {
    authz,
    pool,
    queries: () => queries,
    resetQueries: () => (queries = 0),
    async authenticate(headers) {
      const values = createContextValues();
      const refused = await authz.admit({
        method: ConfigService.method.readConfig,
        header: new Headers(headers),
        remoteAddress: "127.0.0.1",
        requestId: "test",
        values,
      });
      if (refused) throw refused;
      const authenticated = values.get(authenticatedKey);
      if (!authenticated) throw new ConnectError("the admission check left no principal");
      return authenticated;
    },
    async live() {
      await waitFor(async () => (authz.accessChanges.live() ? true : undefined), {
        what: "the process to hear access changes",
        timeoutMs: 10_000,
        intervalMs: 20,
      });
    },
    close: () => authz.close(),
  };
}
