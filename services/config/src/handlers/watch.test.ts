import * as http2 from "node:http2";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type Interceptor,
} from "@connectrpc/connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import {
  ChangeType,
  StoreService,
  LimitExceededSchema,
  WatchRequestSchema,
  type WatchResponse,
} from "@guardian/api";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, useHarness, type Harness, type HarnessOptions } from "../testing/harness.js";
import { json, newProject, plain } from "../testing/fixtures.js";
import { createStoreRoutes } from "@guardian/store-service";
import { envelope, failureOf } from "@guardian/testkit";

const open: Array<() => void> = [];

afterEach(() => {
  for (const close of open.splice(0)) close();
});

/** Opens a watch and reads it message by message, each with a timeout. */
function watchOn(harness: Harness, req: MessageInitShape<typeof WatchRequestSchema>) {
  const ac = new AbortController();
  open.push(() => ac.abort());
  const it = harness.config.watch(req, { signal: ac.signal })[Symbol.asyncIterator]();
  const next = async (timeoutMs = 5_000): Promise<WatchResponse> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no watch message in time")), timeoutMs);
    });
    try {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done) throw new Error("the watch ended");
      return r.value;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    next,
    /** Reads messages until `stop` holds for the last one; returns them all. */
    async until(stop: (m: WatchResponse) => boolean, timeoutMs = 5_000) {
      const got: WatchResponse[] = [];
      for (;;) {
        const m = await next(timeoutMs);
        got.push(m);
        if (stop(m)) return got;
      }
    },
    close: () => ac.abort(),
  };
}

/**
 * A Watch over a raw HTTP/2 stream that reads nothing until `until` is called: `next` waits
 * for the response headers only. `until` then reads the stream to its end and throws the
 * error its gRPC trailers carry.
 */
function pausedWatch(url: string, project: string) {
  const session = http2.connect(url);
  open.push(() => session.destroy());
  const stream = session.request({
    ":method": "POST",
    ":path": "/guardian.config.v1.ConfigService/Watch",
    "content-type": "application/grpc",
    te: "trailers",
  });
  stream.pause();
  stream.end(envelope(toBinary(WatchRequestSchema, create(WatchRequestSchema, { project }))));
  const trailers = new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
    stream.once("trailers", resolve);
    stream.once("error", reject);
  });
  return {
    next: () => new Promise((resolve) => stream.once("response", resolve)),
    async until(_stop: (m: WatchResponse) => boolean): Promise<never> {
      stream.resume();
      throw errorFromTrailers(await trailers);
    },
  };
}

/** The error of a gRPC call whose trailers are `t`, as Connect's client reads it. */
function errorFromTrailers(t: http2.IncomingHttpHeaders): ConnectError {
  const headers = new Headers();
  for (const [name, value] of Object.entries(t)) {
    if (!name.startsWith(":") && value !== undefined) headers.set(name, String(value));
  }
  return findTrailerError(headers) ?? new ConnectError("the stream ended without an error");
}

const changes = (ms: WatchResponse[]) =>
  ms.flatMap((m) => (m.kind.case === "change" ? [m.kind.value] : []));
const isChange = (m: WatchResponse) => m.kind.case === "change";
const changeAt = (revision: bigint | undefined) => (m: WatchResponse) =>
  m.kind.case === "change" && m.kind.value.revision === revision;

/** The same tests over the in-memory transport and over gRPC to a host's server. */
const variants: Array<[string, HarnessOptions]> = [
  ["watch", {}],
  ["watch over gRPC, on the fast stream route", { overGrpc: true }],
];

for (const [name, variant] of variants) {
  const h = useHarness({ poolSize: 10, ...variant });
  const watch = (req: MessageInitShape<typeof WatchRequestSchema>, harness: Harness = h) =>
    watchOn(harness, req);

  describe(name, () => {
    // First in this file: the store is new, so revision 1 is still retained.
    it("replays every change from start_revision 1, not only those from now", async () => {
      const p = await newProject(h);
      const c = await h.config.createConfig({
        project: p,
        key: "k",
        content: json(1),
        schema: "any",
      });
      const u = await h.config.updateConfig({ project: p, key: "k", content: json(2) });
      expect((await h.store.getCompactionInfo({})).compactRevision).toBe(0n);
      for (const startRevision of [1n, c.revision, u.revision]) {
        const w = watch({
          project: p,
          startRevision,
          target: { case: "key", value: "k" },
          bookmarkInterval: { seconds: 1n },
        });
        // The replay may reach the live feed before the feed has seen the last commit; then a
        // bookmark comes first at an earlier revision, the rest follows it, and the next
        // bookmark (a second later) names the last commit.
        const got = await w.until(
          (m) => m.kind.case === "bookmark" && m.kind.value.revision >= u.revision,
        );
        const want = [c.revision, u.revision].filter((r) => r >= startRevision);
        expect(changes(got).map((e) => e.revision)).toEqual(want);
        expect(got[got.length - 1]?.kind.value).toMatchObject({ revision: u.revision });
        // A bookmark never claims a revision whose changes have not all been sent before it.
        let sent = 0n;
        for (const m of got) {
          if (m.kind.case === "change") sent = m.kind.value.revision;
          if (m.kind.case === "bookmark")
            expect(m.kind.value.revision).toBeGreaterThanOrEqual(sent);
        }
        w.close();
      }
    });

    it("delivers exactly the changes at or after any start revision, from 1 to the next one", async () => {
      const p = await newProject(h);
      const other = await newProject(h);
      // Creates, updates and deletes over two prefixes, with another project's writes between.
      const written: Array<{ key: string; revision: bigint }> = [];
      const keys = ["web/a", "web/b", "db/c"];
      for (let i = 0; i < 12; i++) {
        const key = keys[i % keys.length]!;
        const res =
          i < 3
            ? await h.config.createConfig({ project: p, key, content: json(i), schema: "any" })
            : i === 7
              ? await h.config.deleteConfig({ project: p, key })
              : i === 10
                ? await h.config.createConfig({ project: p, key, content: json(i), schema: "any" })
                : await h.config.updateConfig({ project: p, key, content: json(i) });
        written.push({ key, revision: res.revision });
        await h.config.createConfig({
          project: other,
          key: `o${i}`,
          content: json(i),
          schema: "any",
        });
      }
      const current = await h.engine.currentRevision();
      expect((await h.store.getCompactionInfo({})).compactRevision).toBe(0n);
      const scopes = [
        { want: () => true, target: undefined },
        { want: (k: string) => k.startsWith("web/"), target: { case: "prefix", value: "web/" } },
        { want: (k: string) => k === "db/c", target: { case: "key", value: "db/c" } },
      ] as const;
      for (let start = 1n; start <= current + 1n; start++) {
        for (const scope of scopes) {
          // A first bookmark before the feed saw the last commit is followed by another a
          // second later.
          const w = watch({
            project: p,
            startRevision: start,
            target: scope.target,
            bookmarkInterval: { seconds: 1n },
          });
          const got = await w.until(
            (m) => m.kind.case === "bookmark" && m.kind.value.revision >= current,
          );
          w.close();
          const want = written.filter((c) => c.revision >= start && scope.want(c.key));
          expect(
            changes(got).map((e) => [e.config?.key, e.revision]),
            `start ${start}, ${scope.target?.value ?? "project"}`,
          ).toEqual(want.map((c) => [c.key, c.revision]));
        }
      }
    }, 120_000);

    it("starts from now with a bookmark, then streams create, update and delete in order", async () => {
      const p = await newProject(h);
      const w = watch({ project: p, target: { case: "prefix", value: "web/" } });
      const first = await w.next();
      expect(first.kind.case).toBe("bookmark");
      const start = first.kind.case === "bookmark" ? first.kind.value.revision : 0n;
      expect(start).toBe(await h.engine.currentRevision());
      const c = await h.config.createConfig({
        project: p,
        key: "web/a",
        content: json(1),
        schema: "any",
      });
      await h.config.createConfig({ project: p, key: "api/a", content: json(1), schema: "any" });
      const u = await h.config.updateConfig({ project: p, key: "web/a", content: json(2) });
      const d = await h.config.deleteConfig({ project: p, key: "web/a" });
      const got = changes(await w.until(changeAt(d.revision)));
      expect(got.map((e) => [e.type, e.revision, e.config?.key])).toEqual([
        [ChangeType.CREATE, c.revision, "web/a"],
        [ChangeType.UPDATE, u.revision, "web/a"],
        [ChangeType.DELETE, d.revision, "web/a"],
      ]);
      expect(plain(got[1]?.config?.content)).toBe(2);
      expect(got[2]?.config).toMatchObject({ version: d.revision, updatedBy: "anonymous" });
      expect(got[2]?.config?.content).toBeUndefined();
    });

    it("sends bookmarks while nothing in the range changes", async () => {
      const p = await newProject(h);
      const w = watch({
        project: p,
        target: { case: "key", value: "quiet" },
        bookmarkInterval: { seconds: 1n },
      });
      await w.next();
      await h.config.createConfig({ project: p, key: "noisy", content: json(1), schema: "any" });
      const idle = await w.next(4_000);
      expect(idle.kind.case).toBe("bookmark");
      expect(idle.kind.case === "bookmark" && idle.kind.value.revision).toBeGreaterThanOrEqual(
        await h.engine.currentRevision(),
      );
    });

    it("resumes from the last revision + 1 and misses nothing written in between", async () => {
      const p = await newProject(h);
      const w = watch({ project: p });
      await w.next();
      const first = await h.config.createConfig({
        project: p,
        key: "a",
        content: json(1),
        schema: "any",
      });
      const seen = changes(await w.until(isChange));
      expect(seen[0]?.revision).toBe(first.revision);
      w.close();
      const missed: bigint[] = [];
      for (let i = 2; i <= 4; i++) {
        missed.push(
          (await h.config.updateConfig({ project: p, key: "a", content: json(i) })).revision,
        );
      }
      const resumed = watch({
        project: p,
        startRevision: first.revision + 1n,
        includePrevious: true,
      });
      const got = changes(await resumed.until(changeAt(missed[2])));
      expect(got.map((e) => e.revision)).toEqual(missed);
      expect(got.map((e) => [plain(e.previous?.content), plain(e.config?.content)])).toEqual([
        [1, 2],
        [2, 3],
        [3, 4],
      ]);
    });

    it("resyncs with a snapshot when the start revision is compacted, then streams live changes", async () => {
      const p = await newProject(h);
      const start = (
        await h.config.createConfig({ project: p, key: "hot", content: json(0), schema: "any" })
      ).revision;
      await h.config.createConfig({ project: p, key: "cold", content: json("c"), schema: "any" });
      for (let i = 1; i <= 7; i++)
        await h.config.updateConfig({ project: p, key: "hot", content: json(i) });
      const current = await h.engine.currentRevision();
      const w = watch({ project: p, startRevision: start });
      const resync = await w.next();
      expect(resync.kind.case).toBe("resync");
      if (resync.kind.case !== "resync") return;
      expect(resync.kind.value.startRevision).toBe(start);
      expect(resync.kind.value.compactRevision).toBeGreaterThanOrEqual(start);
      expect(resync.kind.value.snapshotRevision).toBe(current);
      const chunks = await w.until((m) => m.kind.case === "snapshot" && m.kind.value.last);
      const configs = chunks.flatMap((m) =>
        m.kind.case === "snapshot" ? m.kind.value.configs : [],
      );
      expect(configs.map((c) => [c.key, plain(c.content)])).toEqual([
        ["cold", "c"],
        ["hot", 7],
      ]);
      const live = await h.config.updateConfig({ project: p, key: "hot", content: json(8) });
      const after = changes(await w.until(isChange));
      expect(after.map((e) => e.revision)).toEqual([live.revision]);
    });

    it("starts with a snapshot when asked, then streams changes after it", async () => {
      const p = await newProject(h);
      await h.config.createConfig({ project: p, key: "a", content: json("a"), schema: "any" });
      const w = watch({ project: p, sendInitialSnapshot: true });
      const snap = await w.next();
      expect(snap.kind.case === "snapshot" && snap.kind.value.configs.map((c) => c.key)).toEqual([
        "a",
      ]);
      expect(snap.kind.case === "snapshot" && snap.kind.value.last).toBe(true);
      const b = await h.config.createConfig({
        project: p,
        key: "b",
        content: json("b"),
        schema: "any",
      });
      expect(changes(await w.until(isChange)).map((e) => e.revision)).toEqual([b.revision]);
    });

    it("refuses to open on a future revision, an unknown project or a bad request", async () => {
      const p = await newProject(h);
      const future = watch({
        project: p,
        startRevision: (await h.engine.currentRevision()) + 100n,
      });
      expect(ConnectError.from(await future.next().catch((e: unknown) => e)).code).toBe(
        Code.OutOfRange,
      );
      const unknown = watch({ project: "no-such-project" });
      expect(ConnectError.from(await unknown.next().catch((e: unknown) => e)).code).toBe(
        Code.NotFound,
      );
      const bad = watch({ project: p, startRevision: 1n, sendInitialSnapshot: true });
      const err = ConnectError.from(await bad.next().catch((e: unknown) => e));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toContain("send_initial_snapshot");
    });

    it("ends a stream that reads too slowly with ResourceExhausted", async () => {
      const small = await startHarness(h.db, { ...variant, watchBufferEvents: 4 });
      try {
        const p = await newProject(h);
        // Over a network the client must stop reading for the server's writes to wait on it:
        // the Connect client reads everything into memory, so a raw stream, paused, is used.
        const w =
          small.url === undefined ? watch({ project: p }, small) : pausedWatch(small.url, p);
        await w.next();
        const pad = small.url === undefined ? "" : "x".repeat(32 * 1024);
        for (let i = 0; i < 40; i++) {
          await small.config.createConfig({
            project: p,
            key: `k${i}`,
            content: json({ i, pad }),
            schema: "any",
          });
        }
        const err = await failureOf(w.until(() => false));
        expect(err.code).toBe(Code.ResourceExhausted);
        expect(err.findDetails(LimitExceededSchema)[0]?.limit).toBe("watch_buffer_events");
      } finally {
        await small.close();
      }
    });

    // The store client is replaced in memory: once is enough.
    if (variant.overGrpc) return;

    describe("when a remote store ends its stream on expired service credentials", () => {
      /** A store client whose WatchKeys streams fail with Unauthenticated after `after` messages. */
      const expiringStore = (after: number, times: number) => {
        let left = times;
        const expire: Interceptor = (next) => async (req) => {
          const res = await next(req);
          if (!res.stream || left <= 0) return res;
          left--;
          const source = res.message;
          async function* cut() {
            let sent = 0;
            for await (const m of source) {
              if (sent++ === after) break;
              yield m;
            }
            throw new ConnectError("the access token has expired", Code.Unauthenticated);
          }
          return { ...res, message: cut() };
        };
        const routes = createStoreRoutes({ engine: h.engine });
        return createClient(
          StoreService,
          createRouterTransport(routes, { router: { interceptors: [expire] } }),
        );
      };

      it("follows on from where the stream stopped and misses nothing", async () => {
        const p = await newProject(h);
        const harness = { ...h, config: h.configWith({ store: expiringStore(1, 1) }) };
        const w = watch({ project: p }, harness);
        expect((await w.next()).kind.case).toBe("bookmark");
        const a = await h.config.createConfig({
          project: p,
          key: "a",
          content: json(1),
          schema: "any",
        });
        const b = await h.config.createConfig({
          project: p,
          key: "b",
          content: json(2),
          schema: "any",
        });
        const got = changes(await w.until(changeAt(b.revision)));
        expect(got.map((c) => c.revision)).toEqual([a.revision, b.revision]);
      });

      it("passes Unauthenticated on when a fresh stream fails at once too", async () => {
        const p = await newProject(h);
        const harness = { ...h, config: h.configWith({ store: expiringStore(0, 2) }) };
        const err = await failureOf(watch({ project: p }, harness).next());
        expect(err.code).toBe(Code.Unauthenticated);
      });
    });
  });
}
