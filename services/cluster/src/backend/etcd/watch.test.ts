import { randomUUID } from "node:crypto";
import { createEtcdClient } from "@guardian/etcd";
import type { Watcher } from "etcd3";
import { afterAll, describe, expect, inject, it } from "vitest";
import { freePort } from "@guardian/testkit";
import { ClusterError } from "../errors.js";
import { onChanges, pinResumeRevision, watchPrefix } from "./watch.js";

const client = createEtcdClient({ endpoints: inject("etcd").endpoints });

afterAll(() => client.close());

/** The revision a watcher would resume from if its stream broke now. */
const resumePoint = (w: Watcher) => BigInt(String(w.request.start_revision));

describe("a cluster watch started in the past", () => {
  it("resumes from the first revision it has not delivered, not from the store's revision", async () => {
    const prefix = `/test/watch-resume/${randomUUID()}/`;
    const first = await client.put(`${prefix}a`).value("1").exec();
    const start = BigInt(first.header.revision);
    for (const k of ["b", "c", "d"]) await client.put(`${prefix}${k}`).value("1").exec();
    const now = BigInt((await client.get(`${prefix}d`).exec()).header.revision);
    const watch = () => client.watch().prefix(prefix).startRevision(start.toString()).create();

    // The client alone: once connected, a break would resume after the store's revision,
    // past the four puts it has not delivered yet.
    const bare = await watch();
    expect(resumePoint(bare)).toBe(now + 1n);
    await bare.cancel();

    const watcher = await watch();
    const delivered = pinResumeRevision(watcher, start);
    expect(resumePoint(watcher)).toBe(start);
    const data = new Promise<bigint>((resolve) =>
      watcher.on("data", (res) => {
        delivered(res);
        resolve(resumePoint(watcher));
      }),
    );
    // Once the backlog arrived: the revision after its last event.
    expect(await data).toBe(now + 1n);
    await watcher.cancel();
  });
});

describe("a cluster watch etcd does not accept", () => {
  it("fails with unavailable after its timeout instead of waiting for etcd without end", async () => {
    // Nothing listens there: the client retries the watch's stream for as long as it lives.
    const gone = createEtcdClient({ endpoints: [`127.0.0.1:${await freePort()}`] });
    try {
      const began = performance.now();
      const stream = watchPrefix(gone, "/test/none/", 1n, new AbortController().signal, {
        createTimeoutMs: 500,
      });
      const streamed = await stream.next().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(streamed).toBeInstanceOf(ClusterError);
      expect((streamed as ClusterError).kind).toBe("unavailable");
      const waited = await onChanges(gone, "/test/none/", 1n, () => {}, 500).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((waited as ClusterError).kind).toBe("unavailable");
      expect(performance.now() - began).toBeLessThan(3_000);
    } finally {
      gone.close();
    }
  });
});
