/**
 * etcd access for Guardian: the one way to open an etcd client and the one answer to
 * "is etcd unavailable right now?", shared by the store's etcd engine and the cluster service.
 *
 * Glossary:
 * - endpoint: an etcd member's client URL, for example `https://etcd-1:2379`.
 * - unavailable: etcd cannot answer now (no quorum or leader, a leader change, an overloaded
 *   or unreachable member, a deadline, a closed client); the same call may succeed later.
 */
export {
  createEtcdClient,
  readEtcdTls,
  type EtcdClientOptions,
  type EtcdTls,
  type EtcdTlsFiles,
} from "./client.js";
export { isEtcdUnavailable, isLeaseNotFound } from "./errors.js";
export { watchRequiringLeader } from "./leader-watch.js";
