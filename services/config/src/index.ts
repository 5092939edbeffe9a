/**
 * The config service: projects, and the JSON configs inside them, validated against JSON
 * Schemas, versioned, rolled back and watched. Configs live only in the store service.
 *
 * Glossary:
 * - version: the store revision of a config's last write; the value for expected_version.
 * - binding: the schema name and pinned version (0: the latest) a config is validated against.
 * - read cache: the per-process, watch-fed copy of configs that ReadConfig serves from.
 * - resync: a watch message saying the start revision is compacted; a snapshot follows.
 * - instance: a running client that reports (ReportConfigStatus) which version of each config
 *   it applied or rejected; live while its last report is younger than the instance TTL.
 */
export { createConfigRoutes, createConfigService } from "./routes.js";
export { maxBookmarkIntervalMs } from "./handlers/watch.js";
export { createConfigFastRoutes, createReadConfigRoute } from "./lean-read/read-config-route.js";
export {
  startAuditSweep,
  sweepPendingAudit,
  type AuditSweepOptions,
  type AuditSweepResult,
} from "./audit/sweep.js";
export {
  startInstanceSweep,
  sweepInstances,
  type InstanceSweepOptions,
} from "./instances/sweep.js";
export {
  defaultInstanceTtlMs,
  defaultMaxConfigBytes,
  defaultMaxInstancesPerProject,
  type ConfigDeps,
} from "./deps.js";
export {
  createReadCache,
  type CachedConfig,
  type ReadCache,
  type ReadCacheOptions,
  type ReadCacheResult,
} from "./read-cache/cache.js";
export {
  configWriteMethods,
  configWriteOutcome,
  createConfigWriteMetrics,
  type ConfigWriteOutcome,
} from "./metrics/write-metrics.js";
export { registerReadCacheMetrics } from "./metrics/read-cache-metrics.js";
export { applyPatch, diffJson, type PatchOperation } from "./document/json-patch.js";
export { createWebhookRoutes, createWebhookService } from "./webhooks/routes.js";
export type { WebhookServiceDeps } from "./webhooks/deps.js";
export {
  createWebhookFanoutJob,
  webhookDeliveryTask,
  webhookQueue,
  type WebhookFanoutDeps,
} from "./webhooks/fanout.js";
export { createWebhookTasks, type WebhookTaskDeps } from "./webhooks/tasks.js";
export {
  resolveWebhookSettings,
  webhookSettings,
  type WebhookSettings,
} from "./webhooks/settings.js";
export {
  createJobRoutes,
  createJobService,
  jobAuditTable,
  type JobServiceDeps,
} from "./jobs/routes.js";
