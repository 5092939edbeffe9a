import {
  createJobQueue,
  openEmbeddedDatabase,
  startWorker,
  type EmbeddedDatabase,
} from "@guardian/db";
import { createLogger } from "@guardian/kit";
import { makeTempDir, removeTempDir, waitFor } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, newProject, user } from "../testing/fixtures.js";
import { as, startHarness, type Harness } from "../testing/harness.js";
import { startReceiver, type Receiver } from "../testing/receiver.js";
import { createWebhookFanoutJob, webhookQueue } from "./fanout.js";
import { createWebhookTasks } from "./tasks.js";

// Webhooks as `guardian dev` runs them: PGlite, one connection for the fan-out's transaction,
// its enqueues and the worker, woken by the queue's in-process nudge.
let dir: string;
let embedded: EmbeddedDatabase;
let h: Harness;
let receiver: Receiver;

beforeAll(async () => {
  dir = await makeTempDir("embedded-webhooks");
  embedded = await openEmbeddedDatabase({ dataDir: dir });
  const unreachable = () => {
    throw new Error("an embedded database has no URL to listen on");
  };
  h = await startHarness(
    { name: () => "embedded", url: unreachable, pool: () => embedded.pool },
    { embedded: true },
  );
  receiver = await startReceiver();
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await h?.close();
  await embedded?.close();
  await removeTempDir(dir);
});

describe("webhooks on an embedded database", () => {
  it("fans changes out once and delivers them through the worker", async () => {
    const settings = { webhookAllowNetworks: ["127.0.0.0/8"] };
    const project = await newProject(h);
    const { webhook } = await h
      .webhooksWith({ settings })
      .createWebhook({ project, url: receiver.url }, as(user("ada")));
    const queue = createJobQueue({ pool: h.pool, notify: "local" });
    const worker = startWorker({
      pool: h.pool,
      queue,
      queues: [webhookQueue],
      tasks: createWebhookTasks({ pool: h.pool, settings }),
      logger: createLogger({ level: "silent" }),
      concurrency: 1,
    });
    try {
      for (let i = 0; i < 3; i++) {
        await h.config.createConfig({ project, key: `k/${i}`, content: json(i), schema: "any" });
      }
      const job = createWebhookFanoutJob({ pool: h.pool, queue });
      const signal = new AbortController().signal;
      const [a, b] = await Promise.all([job.run({ signal }), job.run({ signal })]);
      expect(Number(a?.["deliveries"]) + Number(b?.["deliveries"])).toBe(3);
      await waitFor(async () => (receiver.requests.length >= 3 ? true : undefined), {
        what: "three deliveries",
        timeoutMs: 60_000,
        intervalMs: 50,
      });
      const keys = receiver.requests.map((r) => (JSON.parse(r.body) as { key: string }).key);
      expect(keys.sort()).toEqual(["k/0", "k/1", "k/2"]);
      const log = await h.webhooksWith().listWebhookDeliveries({ project, webhookId: webhook!.id });
      expect(log.deliveries).toHaveLength(3);
    } finally {
      await worker.stop();
    }
  });
});
