import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ClusterService } from "@guardian/api";
import {
  createHealth,
  createLogger,
  createMetrics,
  createServer,
  type Server,
} from "@guardian/kit";
import { useTestDatabase } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterBackend } from "./backend/types.js";
import { createSqlClusterBackend } from "./backend/sql/backend.js";
import { campaign, elected, type ClusterClient, testLimits } from "./contract/helpers.js";
import { recordStream } from "./contract/stream-recorder.js";
import { createClusterRoutes } from "./routes.js";

const keepaliveMs = 300;
const db = useTestDatabase({ poolSize: 5 });

describe("ClusterService streams that have nothing to send", () => {
  let backend: ClusterBackend;
  let server: Server;
  let client: ClusterClient;
  const unique = (what: string) => `keepalive/${what}-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    backend = await createSqlClusterBackend({
      pool: db.pool(),
      pollIntervalMs: 100,
      sweepIntervalMs: 200,
    });
    server = createServer({
      logger: createLogger({ level: "silent" }),
      health: createHealth(),
      metrics: createMetrics({ defaultMetrics: false }),
      routes: createClusterRoutes({ backend, pool: db.pool(), limits: testLimits, keepaliveMs }),
    });
    const { url } = await server.listen();
    client = createClient(
      ClusterService,
      createConnectTransport({ baseUrl: url, httpVersion: "1.1" }),
    );
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await backend?.close();
  });

  it("Observe repeats the last state, marked as a keepalive, while the leader stays the same", async () => {
    const election = unique("observe");
    const leader = campaign(client, election, "v1", 30);
    await elected(leader);
    const observer = recordStream((signal) => client.observe({ election }, { signal }));
    try {
      const first = await observer.next();
      expect(first.keepalive).toBeUndefined();
      expect(first.leader?.value).toBe("v1");
      for (let i = 0; i < 2; i++) {
        const again = await observer.next(undefined, 30_000);
        expect(again.keepalive).toBeDefined();
        expect(again.leader).toEqual(first.leader);
        expect(again.revision).toBe(first.revision);
      }
      // A real change still arrives, as a plain state.
      leader.cancel();
      const change = await observer.next((m) => m.keepalive === undefined, 30_000);
      expect(change.leader).toBeUndefined();
    } finally {
      observer.cancel();
      leader.cancel();
    }
  });

  it("WatchInstances sends keepalives after its snapshot, and still every change", async () => {
    const service = unique("svc");
    const watch = recordStream((signal) => client.watchInstances({ service }, { signal }));
    try {
      expect((await watch.next()).kind.case).toBe("snapshot");
      await watch.next((m) => m.kind.case === "keepalive", 30_000);
      await watch.next((m) => m.kind.case === "keepalive", 30_000);
      await client.registerInstance({
        service,
        instanceId: "i-1",
        address: "10.0.0.1",
        port: 8080,
        ttl: { seconds: 30n, nanos: 0 },
      });
      const event = await watch.next((m) => m.kind.case !== "keepalive", 30_000);
      expect(event.kind.case).toBe("event");
    } finally {
      watch.cancel();
    }
  });

  it("Campaign sends keepalives between lease renewals that are further apart", async () => {
    // A 60 s lease is renewed about every 20 s: far more than the keepalive interval.
    const candidate = campaign(client, unique("campaign"), "v", 60);
    try {
      await elected(candidate);
      await candidate.next((m) => m.event.case === "keepalive", 30_000);
      await candidate.next((m) => m.event.case === "keepalive", 30_000);
      expect(candidate.items.some((m) => m.event.case === "lost")).toBe(false);
    } finally {
      candidate.cancel();
    }
  });
});
