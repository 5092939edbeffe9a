// A minimal connect-node server: node:http with Connect's own adapter and one service,
// grpc.health.v1.Health, answering every Check with SERVING. No interceptors, no
// authentication, no metrics: what Connect itself costs per call on this machine.
// Usage: connect-server.ts <port>
import { createServer } from "node:http";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "@guardian/api";

const [port] = process.argv.slice(2);

const handler = connectNodeAdapter({
  routes: (router) =>
    router.service(Health, {
      check: () => ({ status: HealthCheckResponse_ServingStatus.SERVING }),
    }),
});

createServer(handler).listen(Number(port), "127.0.0.1", () => console.log(`listening on ${port}`));
