import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  AuthService,
  ClusterService,
  ConfigService,
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
  SchemaService,
  StoreService,
} from "@guardian/api";
import { createEtcdClient, type EtcdClientOptions } from "@guardian/etcd";
import type { DependencyCheck } from "@guardian/kit";
import type pg from "pg";
import type { ServiceName } from "./services.js";

type Etcd3 = ReturnType<typeof createEtcdClient>;

const typeNames: Record<ServiceName, string> = {
  auth: AuthService.typeName,
  config: ConfigService.typeName,
  schema: SchemaService.typeName,
  cluster: ClusterService.typeName,
  store: StoreService.typeName,
};

/** What {@link serveDependencies} checks: whatever the hosted services use. */
export interface ServeDependencyOptions {
  hosted: readonly ServiceName[];
  pool: pg.Pool;
  /** The store engine's etcd client, when this process hosts the store on etcd. */
  storeEtcd?: Etcd3;
  /** The etcd connection of the cluster service's etcd backend, when it has one. */
  clusterEtcd?: EtcdClientOptions;
  /** The store service's URL, when config or schema reach it in another process. */
  storeUrl?: string;
  /** How long one check may take: the deadline of the calls it makes. */
  timeoutMs: number;
}

/** The dependency checks of a `guardian serve` process, and what closes their clients. */
export interface ServeDependencies {
  checks: DependencyCheck[];
  close(): void;
}

/**
 * Builds the dependency checks of a production process: PostgreSQL for every service; etcd
 * for the store (its engine's client) and for the cluster service (a client of its own), by
 * a linearizable read, which needs a quorum; and the store service's own health for config
 * and schema when the store runs elsewhere.
 */
export function serveDependencies(opts: ServeDependencyOptions): ServeDependencies {
  const namesOf = (...names: ServiceName[]) =>
    names.filter((n) => opts.hosted.includes(n)).map((n) => typeNames[n]);
  const checks: DependencyCheck[] = [
    {
      name: "postgres",
      check: async () => {
        await opts.pool.query("SELECT 1");
      },
    },
  ];
  const closers: (() => void)[] = [];
  if (opts.storeEtcd) {
    checks.push({
      name: "store etcd",
      check: quorumRead(opts.storeEtcd),
      // Config and schema hosted beside the store use its engine directly.
      services: namesOf("store", "config", "schema"),
    });
  }
  if (opts.clusterEtcd) {
    const client = createEtcdClient({ ...opts.clusterEtcd, callTimeoutMs: opts.timeoutMs });
    closers.push(() => client.close());
    checks.push({
      name: "cluster etcd",
      check: quorumRead(client),
      services: namesOf("cluster"),
    });
  }
  const storeUsers = namesOf("config", "schema");
  if (opts.storeUrl && storeUsers.length > 0 && !opts.hosted.includes("store")) {
    const health = createClient(Health, createGrpcTransport({ baseUrl: opts.storeUrl }));
    checks.push({
      name: "store",
      check: async () => {
        const res = await health.check(
          { service: StoreService.typeName },
          { timeoutMs: opts.timeoutMs },
        );
        if (res.status !== ServingStatus.SERVING) {
          throw new Error(`the store service is ${ServingStatus[res.status]}`);
        }
      },
      services: storeUsers,
    });
  }
  return {
    checks,
    close: () => closers.forEach((close) => close()),
  };
}

/** A read of one key that etcd answers only with a quorum (linearizable, the default). */
function quorumRead(client: Etcd3): () => Promise<void> {
  return async () => {
    await client.get("/guardian/readiness").exec();
  };
}
