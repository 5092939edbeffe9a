import type { Etcd3 } from "etcd3";
import { traced } from "@guardian/kit";

type Exec = (
  service: string,
  method: string,
  payload: unknown,
  options?: unknown,
) => Promise<unknown>;

/**
 * Makes every unary call of `client` (and of its namespaces and leases, which share its
 * connection pool) an etcd client span named `etcd <Service>.<method>`, such as `etcd KV.txn`,
 * inside the span of the call that made it. Streams (watches, keep-alives) are not traced.
 */
export function traceEtcdCalls(client: Etcd3): void {
  // Every unary RPC of etcd3 goes through its connection pool's exec.
  const pool = (client as unknown as { pool: { exec: Exec } }).pool;
  const exec = pool.exec.bind(pool);
  pool.exec = (service, method, payload, options) =>
    traced(
      `etcd ${service}.${method}`,
      "client",
      {
        "db.system": "etcd",
        "db.system.name": "etcd",
        "db.operation.name": `${service}.${method}`,
        "rpc.system": "grpc",
        "rpc.service": `etcdserverpb.${service}`,
        "rpc.method": method,
      },
      () => exec(service, method, payload, options),
    );
}
