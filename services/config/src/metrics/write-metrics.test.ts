import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { ConfigService, ValidationFailureSchema } from "@guardian/api";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createConfigWriteMetrics } from "./write-metrics.js";

/** Fails an update the way its key names; `ok` succeeds. */
function failureFor(key: string): ConnectError | undefined {
  switch (key) {
    case "conflict":
      return new ConnectError("version conflict", Code.Aborted);
    case "schema":
      return new ConnectError("content does not match", Code.InvalidArgument, undefined, [
        { desc: ValidationFailureSchema, value: { violations: [{ pointer: "/port" }] } },
      ]);
    case "bad":
      return new ConnectError("invalid key", Code.InvalidArgument);
    case "denied":
      return new ConnectError("denied", Code.PermissionDenied);
    case "down":
      return new ConnectError("the store is unavailable", Code.Unavailable);
    case "ok":
      return undefined;
    default:
      return new ConnectError("boom", Code.Internal);
  }
}

describe("createConfigWriteMetrics", () => {
  it("counts config writes by outcome, telling schema rejections from other bad requests, and ignores reads", async () => {
    const registry = new Registry();
    const interceptor = createConfigWriteMetrics(registry);
    const client = createClient(
      ConfigService,
      createRouterTransport(
        (router) =>
          router.service(ConfigService, {
            updateConfig(req) {
              const err = failureFor(req.key);
              if (err) throw err;
              return {};
            },
            getConfig() {
              return {};
            },
          }),
        { router: { interceptors: [interceptor] } },
      ),
    );
    const keys = ["ok", "ok", "conflict", "schema", "bad", "denied", "down", "other"];
    for (const key of keys) await client.updateConfig({ project: "p", key }).catch(() => undefined);
    await client.getConfig({ project: "p", key: "ok" });
    const text = await registry.metrics();
    const count = (method: string, outcome: string) =>
      new RegExp(
        `guardian_config_writes_total\\{method="${method}",outcome="${outcome}"\\} (\\d+)`,
      ).exec(text)?.[1];
    expect(count("UpdateConfig", "ok")).toBe("2");
    for (const outcome of [
      "conflict",
      "schema_rejected",
      "invalid_argument",
      "permission_denied",
      "unavailable",
      "other",
    ]) {
      expect(count("UpdateConfig", outcome), outcome).toBe("1");
    }
    // Every write method's series exist from the start; reads are not writes.
    expect(count("RollbackConfig", "conflict")).toBe("0");
    expect(text).not.toContain('method="GetConfig"');
  });
});
