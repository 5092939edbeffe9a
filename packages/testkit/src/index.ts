/**
 * Test infrastructure for Guardian: real PostgreSQL, Redis and etcd servers on random
 * loopback ports, started from the system packages and stopped when the tests end.
 *
 * Glossary:
 * - template database: a migrated database that every test file clones (`CREATE DATABASE
 *   ... TEMPLATE`), so each file starts from the same schema in milliseconds.
 * - provided context: values the vitest global setup hands to test files through
 *   `inject("postgres" | "redis" | "etcd")`.
 * - history: the operations concurrent clients ran, each with its invocation and response
 *   time; an operation whose outcome is unknown may have taken effect, or not.
 * - linearizable: some order of a history's operations, each placed between its invocation
 *   and its response, is accepted by the object's sequential specification (its model).
 */
export { useTestDatabase } from "./database.js";
export type { TestDatabase, UseTestDatabaseOptions } from "./database.js";
export { startEtcd, startEtcdCluster } from "./etcd.js";
export type { EtcdCluster, StartEtcdClusterOptions } from "./etcd.js";
export type { EtcdMember, EtcdMemberStatus } from "./etcd-member.js";
export { failureOf } from "./failure.js";
export { ReactionCountingPromise } from "./reaction-counting-promise.js";
export { seededRandom } from "./seeded-random.js";
export { envelope, exchange } from "./raw-exchange.js";
export type { Exchange, ExchangeInit } from "./raw-exchange.js";
export { checkLinearizability, formatAnomaly } from "./linearizability/check.js";
export type { Anomaly, CheckOptions, LinearizabilityResult } from "./linearizability/check.js";
export { createHistoryRecorder } from "./linearizability/history.js";
export type { HistoryRecorder, Operation, PendingOperation } from "./linearizability/history.js";
export { findLostWrites } from "./linearizability/lost-writes.js";
export type { AcknowledgedWrite, RecordedRevision } from "./linearizability/lost-writes.js";
export type { Model } from "./linearizability/model.js";
export { describeRegisterOperation, versionedRegister } from "./linearizability/register.js";
export type { RegisterInput, RegisterOutput, RegisterState } from "./linearizability/register.js";
export { freePort, freePorts } from "./ports.js";
export { startPostgres } from "./postgres.js";
export type { PostgresServer, StartPostgresOptions } from "./postgres.js";
export { describeExit, runProcess, spawnProcess, stopAllProcesses } from "./process.js";
export type { ManagedProcess, ProcessExit, SpawnProcessOptions } from "./process.js";
export type { ProvidedEtcd, ProvidedPostgres, ProvidedRedis } from "./provided.js";
export { startRedis } from "./redis.js";
export type { RedisServer, StartRedisOptions } from "./redis.js";
export {
  ensureSystemPackages,
  findSystemBinaries,
  requireSystemBinaries,
} from "./system-packages.js";
export type { SystemBinaries, SystemBinaryLookup, SystemBinaryName } from "./system-packages.js";
export {
  cloneDatabase,
  createTemplateDatabase,
  databaseUrl,
  dropDatabase,
  randomDatabaseName,
} from "./template-database.js";
export { makeTempDir, removeTempDir } from "./temp-dir.js";
export { GiveUpError, waitFor } from "./wait.js";
export type { WaitForOptions } from "./wait.js";
export {
  bootstrapPassword,
  runGuardian,
  spawnGuardian,
  startDev,
  startGuardian,
  stopGuardian,
} from "./guardian-process.js";
export type { GuardianCommand, RunningGuardian } from "./guardian-process.js";
export { createEmptyDatabase, migrateDatabase, startProductionStack } from "./production-stack.js";
export type { ProductionStack, ProductionStackOptions } from "./production-stack.js";
export { startOtlpReceiver } from "./otlp-receiver.js";
export type { OtlpReceiver, ReceivedSpan } from "./otlp-receiver.js";
export { startTcpProxy } from "./tcp-proxy.js";
export type { TcpProxy } from "./tcp-proxy.js";
