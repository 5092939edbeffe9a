import { randomUUID } from "node:crypto";
import type pg from "pg";
import { describe } from "vitest";
import type { ClusterBackend } from "../backend/types.js";
import { clientOf, useHarness } from "../testing/harness.js";
import { electionContract } from "./elections.js";
import type { ClusterClient } from "./helpers.js";
import { lockContract } from "./locks.js";
import { registryContract } from "./registry.js";

/** Opens a backend on the store under test; each call is another server on the same store. */
export type OpenBackend = () => Promise<ClusterBackend>;

/** What each part of the contract gets: a client of one backend, and a way to open more. */
export interface ContractContext {
  client(): ClusterClient;
  /** Opens another server on the same store, with a client of its own. */
  another(): Promise<{ backend: ClusterBackend; client: ClusterClient }>;
  /** A name no other test uses. */
  unique(what: string): string;
}

/**
 * Defines the behaviour every cluster backend must show, run through the real routes
 * (auditing to the database of `pool`): elections, locks with fencing tokens, and the service
 * registry, including lease expiry.
 */
export function defineClusterContract(name: string, pool: () => pg.Pool, open: OpenBackend): void {
  describe(`cluster contract: ${name}`, () => {
    const harness = useHarness(pool, open);
    const run = randomUUID().slice(0, 8);
    const ctx: ContractContext = {
      client: harness.client,
      async another() {
        const backend = await open();
        return { backend, client: clientOf(backend, pool()) };
      },
      unique: (what) => `contract/${run}/${what}-${randomUUID().slice(0, 6)}`,
    };

    electionContract(ctx);
    lockContract(ctx);
    registryContract(ctx);
  });
}
