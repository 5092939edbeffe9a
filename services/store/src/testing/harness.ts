import { randomUUID } from "node:crypto";
import { startEtcd, startEtcdCluster, type EtcdCluster } from "@guardian/testkit";
import { afterAll, afterEach, beforeAll, inject } from "vitest";
import {
  createEtcdEngine,
  type EtcdEngineOptions,
  type EtcdStoreEngine,
} from "../engine/etcd/engine.js";

/** Something a test opens and the harness closes: an engine, an archiver, a proxy. */
export type Closable = { close(): Promise<void> } | { stop(): Promise<void> };

/** Options of {@link useHarness}. */
export interface HarnessOptions {
  /**
   * Which etcd the file uses: the suite's shared one (default), a member of its own (for
   * tests that compact etcd), or a 3-member cluster of its own (for tests that kill members).
   */
  etcd?: "shared" | "member" | "cluster";
  /** When tracked resources are closed: after each test (default) or after the file. */
  closeAfter?: "each" | "all";
}

/** What a store test file gets from {@link useHarness}. */
export interface Harness {
  /** The client URLs of the etcd the file uses. */
  endpoints(): string[];
  /** The etcd the file started (with `etcd: "member"` or `"cluster"`). */
  cluster(): EtcdCluster;
  /** A store namespace no other test uses. */
  namespace(): string;
  /** Opens an etcd engine on a fresh namespace and {@link endpoints} unless given; tracked. */
  open(opts?: Partial<EtcdEngineOptions>): Promise<EtcdStoreEngine>;
  /** Closes `resource` with the others, newest first. */
  track<T extends Closable>(resource: T): T;
  /** Closes everything tracked so far now, newest first. */
  closeAll(): Promise<void>;
}

/**
 * Sets up a store test file: starts the etcd it asks for in beforeAll, and closes everything
 * it opened (newest first) after each test or after the file, then stops that etcd.
 */
export function useHarness(opts: HarnessOptions = {}): Harness {
  const etcd = opts.etcd ?? "shared";
  let cluster: EtcdCluster | undefined;
  const open: Closable[] = [];

  async function closeAll() {
    for (const r of open.splice(0).reverse()) await ("close" in r ? r.close() : r.stop());
  }

  beforeAll(async () => {
    if (etcd === "member") cluster = await startEtcd();
    if (etcd === "cluster") cluster = await startEtcdCluster({ size: 3 });
  });
  if (opts.closeAfter !== "all") afterEach(closeAll);
  afterAll(async () => {
    await closeAll();
    await cluster?.stop();
  });

  const harness: Harness = {
    endpoints: () => (cluster ? cluster.endpoints : inject("etcd").endpoints),
    cluster() {
      if (!cluster) throw new Error('the harness uses the shared etcd; ask for etcd: "member"');
      return cluster;
    },
    namespace: () => `/guardian-test/${randomUUID()}/`,
    async open(engineOpts = {}) {
      const engine = await createEtcdEngine({
        ...engineOpts,
        endpoints: engineOpts.endpoints ?? harness.endpoints(),
        namespace: engineOpts.namespace ?? harness.namespace(),
      });
      return harness.track(engine);
    },
    track(resource) {
      open.push(resource);
      return resource;
    },
    closeAll,
  };
  return harness;
}
