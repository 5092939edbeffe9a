/**
 * The cluster service: cluster membership, leader elections, distributed locks and a service
 * registry, over etcd (production) or PostgreSQL/PGlite (embedded), behind one backend
 * interface and one set of routes; and the scheduler of housekeeping jobs, built on its
 * elections.
 *
 * Glossary:
 * - lease: a time-to-live grant that holds a candidacy, a lock or an instance registration.
 *   Its holder renews it (Campaign does so itself; locks need KeepAliveLock, instances
 *   Heartbeat); when it expires, what it held is released.
 * - candidate: an entry in an election. The leader is the live candidate entered first.
 * - leader key: the key of a candidate, used to Proclaim and Resign.
 * - fencing token: a number that grows with every new lock holder (Lock.fencing_token) or
 *   leader (Leader.revision). A protected resource remembers the highest token it has seen
 *   and refuses requests carrying a lower one, so a holder that lost its lease without
 *   noticing cannot overwrite its successor's work.
 * - instance: one registered process of a service (address, port, metadata, tags), live while
 *   its lease is.
 * - revision: the store revision (etcd) or cluster revision (SQL) a state or event reflects.
 * - scheduler group: the replicas that elect one leader ("scheduler/<group>") to run a set of
 *   scheduled jobs; each job's runs are recorded in `scheduled_jobs` under the leader's
 *   fencing token.
 */
export { createClusterRoutes, createClusterService } from "./routes.js";
export type { ClusterRoutesDeps } from "./routes.js";
export { defaultClusterLimits, type ClusterLimits } from "./check.js";
export { defaultStreamKeepaliveMs } from "./handlers/keepalive.js";
export { toClusterConnectError } from "./error-map.js";
export {
  createEtcdClusterBackend,
  type EtcdClusterBackendOptions,
} from "./backend/etcd/backend.js";
export { createSqlClusterBackend, type SqlClusterBackendOptions } from "./backend/sql/backend.js";
export { ClusterError, type ClusterErrorDetail, type ClusterErrorKind } from "./backend/errors.js";
export type * from "./backend/types.js";
export { startScheduler, type Scheduler, type SchedulerOptions } from "./scheduler/scheduler.js";
