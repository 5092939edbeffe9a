/** What the global setup provides under `inject("postgres")`. */
export interface ProvidedPostgres {
  /** Superuser URL of the server's `postgres` database, for creating and dropping databases. */
  readonly adminUrl: string;
  /** Name of the migrated template database that test databases are cloned from. */
  readonly template: string;
}

/** What the global setup provides under `inject("redis")`. */
export interface ProvidedRedis {
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
}

/** What the global setup provides under `inject("etcd")`. */
export interface ProvidedEtcd {
  /** Client URLs (`http://127.0.0.1:PORT`) of the shared 3-member cluster. */
  readonly endpoints: string[];
}

declare module "vitest" {
  /** Values the root global setup (test/global-setup.ts) provides to every test file. */
  export interface ProvidedContext {
    postgres: ProvidedPostgres;
    redis: ProvidedRedis;
    etcd: ProvidedEtcd;
  }
}
