import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type ServiceImpl,
} from "@connectrpc/connect";
import { ConfigService } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { mapErrors, type FailedCall } from "./map-errors.js";
import { failureOf } from "@guardian/testkit";

function serve(impl: Partial<ServiceImpl<typeof ConfigService>>) {
  const calls: FailedCall[] = [];
  const transport = createRouterTransport((router) => {
    router.service(
      ConfigService,
      mapErrors(ConfigService, impl, (err, call) => {
        calls.push(call);
        return new ConnectError(`mapped: ${(err as Error).message}`, Code.FailedPrecondition);
      }),
    );
  });
  return { client: createClient(ConfigService, transport), calls };
}

describe("mapErrors", () => {
  it("passes every unary failure through the table with the method and request", async () => {
    const { client, calls } = serve({
      getConfig: () => Promise.reject(new Error("boom")),
      getProject: (req) => ({ project: { name: req.project } }),
    });
    const err = await failureOf(client.getConfig({ project: "p", key: "k" }));
    expect([err.code, err.rawMessage]).toEqual([Code.FailedPrecondition, "mapped: boom"]);
    expect(calls.map((c) => [c.method, (c.req as { key: string }).key])).toEqual([
      ["getConfig", "k"],
    ]);
    expect((await client.getProject({ project: "p" })).project?.name).toBe("p");
  });

  it("maps a stream's failure after its first message the same way", async () => {
    const { client, calls } = serve({
      async *watch() {
        yield { kind: { case: "bookmark", value: { revision: 1n } } } as const;
        throw new Error("lost");
      },
    });
    const received: unknown[] = [];
    const err = await failureOf(
      (async () => {
        for await (const m of client.watch({ project: "p" })) received.push(m);
      })(),
    );
    expect(received).toHaveLength(1);
    expect([err.code, err.rawMessage]).toEqual([Code.FailedPrecondition, "mapped: lost"]);
    expect(calls.map((c) => c.method)).toEqual(["watch"]);
  });
});
