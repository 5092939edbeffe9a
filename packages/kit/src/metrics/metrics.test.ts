import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { Health as HealthService } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { createHealth } from "../health/health.js";
import { createMetrics } from "./metrics.js";

describe("createMetrics", () => {
  it("includes process and Node.js runtime metrics by default", async () => {
    const text = await createMetrics().render();
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
    expect(text).toContain("# TYPE guardian_rpc_requests_total counter");
    expect(text).toContain("# TYPE guardian_rpc_duration_seconds histogram");
  });

  it("keeps registries independent when two exist in one process", async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    const client = createClient(
      HealthService,
      createRouterTransport(createHealth().routes, { router: { interceptors: [a.interceptor] } }),
    );
    await client.check({});
    expect(await a.render()).toContain(
      'guardian_rpc_requests_total{service="grpc.health.v1.Health",method="Check",code="ok"} 1',
    );
    expect(await b.render()).not.toContain("method=");
  });

  it("counts the code of failed calls, including errors that are not ConnectErrors", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const client = createClient(
      HealthService,
      createRouterTransport(
        (router) =>
          router.service(HealthService, {
            check(req) {
              if (req.service === "boom") {
                throw new Error("unexpected");
              }
              throw new ConnectError("denied", Code.PermissionDenied);
            },
          }),
        { router: { interceptors: [metrics.interceptor] } },
      ),
    );
    await expect(client.check({ service: "boom" })).rejects.toMatchObject({ code: Code.Internal });
    await expect(client.check({})).rejects.toMatchObject({ code: Code.PermissionDenied });
    const text = await metrics.render();
    const labels = 'service="grpc.health.v1.Health",method="Check"';
    expect(text).toContain(`guardian_rpc_requests_total{${labels},code="internal"} 1`);
    expect(text).toContain(`guardian_rpc_requests_total{${labels},code="permission_denied"} 1`);
    expect(text).toContain(`guardian_rpc_in_flight{${labels}} 0`);
  });
});
