import { randomUUID } from "node:crypto";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { ClusterService } from "@guardian/api";
import { afterAll, beforeAll, describe } from "vitest";
import type { ClusterBackend } from "../backend/types.js";
import { createClusterRoutes } from "../routes.js";
import { electionContract } from "./elections.js";
import { testLimits, type ClusterClient } from "./helpers.js";
import { lockContract } from "./locks.js";
import { registryContract } from "./registry.js";

/** Opens a backend on the store under test; each call is another server on the same store. */
export type OpenBackend = () => Promise<ClusterBackend>;

/** What each part of the contract gets: a client of one backend, and a way to open more. */
export interface ContractContext {
  client(): ClusterClient;
  open: OpenBackend;
  /** A name no other test uses. */
  unique(what: string): string;
}

/** Builds a client that talks to `backend` through the real routes. */
export function clientOf(backend: ClusterBackend): ClusterClient {
  const routes = createClusterRoutes({ backend, limits: testLimits });
  return createClient(ClusterService, createRouterTransport(routes));
}

/**
 * Defines the behaviour every cluster backend must show, run through the real routes:
 * elections, locks with fencing tokens, and the service registry, including lease expiry.
 */
export function defineClusterContract(name: string, open: OpenBackend): void {
  describe(`cluster contract: ${name}`, () => {
    let backend: ClusterBackend | undefined;
    let client: ClusterClient | undefined;
    const run = randomUUID().slice(0, 8);
    const ctx: ContractContext = {
      client: () => client!,
      open,
      unique: (what) => `contract/${run}/${what}-${randomUUID().slice(0, 6)}`,
    };

    beforeAll(async () => {
      backend = await open();
      client = clientOf(backend);
    });

    afterAll(async () => {
      await backend?.close();
    });

    electionContract(ctx);
    lockContract(ctx);
    registryContract(ctx);
  });
}
