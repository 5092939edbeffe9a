import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type ServiceImpl,
} from "@connectrpc/connect";
import { ConfigService } from "@guardian/api";
import { failureOf } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { createObservingInterceptor, type CallObserver } from "./observe-call.js";

interface Seen {
  starts: string[];
  messages: string[];
  ends: { who: string; code: Code | undefined }[];
}

/** An observer that records what it sees under `who`; maps errors when `prefix` is given. */
function recorder(who: string, seen: Seen, prefix?: string): CallObserver {
  return (req) => {
    seen.starts.push(`${who} ${req.method.name}`);
    return {
      onEnd: (err) => seen.ends.push({ who, code: err?.code }),
      onMessage: () => seen.messages.push(who),
      ...(prefix === undefined
        ? {}
        : {
            mapError: (err: unknown) =>
              new ConnectError(`${prefix}${ConnectError.from(err).rawMessage}`, Code.Unavailable),
          }),
    };
  };
}

function serve(impl: Partial<ServiceImpl<typeof ConfigService>>, observers: CallObserver[]) {
  const transport = createRouterTransport(
    (router) => {
      router.service(ConfigService, impl);
    },
    { router: { interceptors: [createObservingInterceptor(observers)] } },
  );
  return createClient(ConfigService, transport);
}

describe("createObservingInterceptor", () => {
  it("runs every observer's hooks over one wrapper of a stream", async () => {
    const seen: Seen = { starts: [], messages: [], ends: [] };
    const client = serve(
      {
        async *watch() {
          yield { kind: { case: "bookmark", value: { revision: 1n } } };
          yield { kind: { case: "bookmark", value: { revision: 2n } } };
        },
      },
      [recorder("metrics", seen), recorder("logging", seen)],
    );
    const got = [];
    for await (const m of client.watch({ project: "p" })) got.push(m);
    expect(got).toHaveLength(2);
    expect(seen.starts).toEqual(["metrics Watch", "logging Watch"]);
    expect(seen.messages).toEqual(["metrics", "logging", "metrics", "logging"]);
    expect(seen.ends).toEqual([
      { who: "metrics", code: undefined },
      { who: "logging", code: undefined },
    ]);
  });

  it("maps a failure through the observers last to first, and every observer sees the result", async () => {
    const seen: Seen = { starts: [], messages: [], ends: [] };
    const client = serve({ getConfig: () => Promise.reject(new Error("boom")) }, [
      recorder("outer", seen, "outer: "),
      recorder("inner", seen, "inner: "),
    ]);
    const err = await failureOf(client.getConfig({ project: "p", key: "k" }));
    expect([err.code, err.rawMessage]).toEqual([Code.Unavailable, "outer: inner: boom"]);
    expect(seen.ends).toEqual([
      { who: "outer", code: Code.Unavailable },
      { who: "inner", code: Code.Unavailable },
    ]);
  });
});
