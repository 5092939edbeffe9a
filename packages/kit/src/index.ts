/**
 * @guardian/kit — the server platform every Guardian service shares.
 *
 * Glossary:
 * - request id: the `x-request-id` of a request, taken from the client when sane, otherwise
 *   generated; echoed on every response and carried in `requestIdKey`.
 * - readiness: whether the process can do useful work now (`/readyz`), as opposed to liveness
 *   (`/healthz`: the process is running) and gRPC health statuses (`grpc.health.v1.Health`).
 * - graceful shutdown: stop accepting, report NOT_SERVING, end streams, let unary calls finish,
 *   then cut what is left after a timeout.
 */

export {
  ConfigError,
  configWithDefaults,
  describeConfig,
  exitOnConfigError,
  readConfig,
} from "./config/env.js";
export type { ConfigOf, ConfigProblem, ConfigSpec, ConfigVariable } from "./config/env.js";
export { bool, int, oneOf, str, url } from "./config/fields.js";
export type {
  BoolOptions,
  CommonOptions,
  Field,
  FieldResult,
  IntOptions,
  OptionalMarker,
  StrOptions,
  UrlOptions,
} from "./config/fields.js";
export { bytes, duration, list } from "./config/unit-fields.js";
export type { BytesOptions, DurationOptions, ListOptions } from "./config/unit-fields.js";
export { formatBytes, formatDuration, parseBytes, parseDuration } from "./config/units.js";

export { badRequest, invalidArgument } from "./errors/bad-request.js";
export type { FieldViolationInit } from "./errors/bad-request.js";
export { createErrorMapper } from "./errors/error-mapper.js";
export type { ErrorMapper, ErrorRule } from "./errors/error-mapper.js";
export { internalError } from "./errors/internal.js";
export { KindedError } from "./errors/kinded-error.js";
export { isPgConnectionLoss, isPgError, pgBusyRules, pgCodes, pgErrorRules } from "./errors/pg.js";

export { createHealth } from "./health/health.js";
export type { Health, HealthOptions } from "./health/health.js";
export type { DependencyCheck } from "./health/dependency-monitor.js";
export type { ReadinessReport, ReadinessResult } from "./health/readiness.js";

export { onShutdown } from "./lifecycle/shutdown.js";

export { jsonKindOf, jsonOfValue, jsonTextOfValue } from "./offload/predecoded.js";
export { valueWire } from "./offload/value-wire.js";
export { jsonAnswerText, jsonAnswerValue } from "./offload/json-answer.js";
export { workerScript } from "./offload/worker-script.js";

export type { ScheduledJob, ScheduledRunContext } from "./jobs/scheduled-job.js";
export { openText, sealText, SealedTextError } from "./crypto/sealed-text.js";
export type { SealedTextProblem } from "./crypto/sealed-text.js";
export { createBackoff, sleep } from "./timing/backoff.js";
export type { Backoff, BackoffOptions } from "./timing/backoff.js";
export { createRevisionWaiters } from "./timing/revision-waiters.js";
export type { RevisionWaiters } from "./timing/revision-waiters.js";
export { createDeadline } from "./timing/deadline.js";
export type { Deadline } from "./timing/deadline.js";
export { waitSettled } from "./timing/wait-settled.js";
export type { WaitOutcome } from "./timing/wait-settled.js";
export type { ShutdownHandle, ShutdownOptions, ShutdownStep } from "./lifecycle/shutdown.js";

export {
  createLogger,
  createPrettyStream,
  loggerKey,
  remoteAddressKey,
  requestIdKey,
} from "./logging/logger.js";
export type { LogLevel, Logger, LoggerOptions } from "./logging/logger.js";
export {
  createLoggingInterceptor,
  createLoggingObserver,
  sanitizeError,
} from "./logging/rpc-logging.js";
export { logSettings } from "./logging/settings.js";

export { createMetrics, metricsContentType } from "./metrics/metrics.js";
export type { Metrics, MetricsOptions } from "./metrics/metrics.js";
export {
  createRpcMetricsInterceptor,
  createRpcMetricsObserver,
  rpcDurationBuckets,
} from "./metrics/rpc-metrics.js";
export { registerDependencyMetrics, type DependencyState } from "./metrics/dependency-metrics.js";
export { gatherProcessMetrics, shareProcessMetrics } from "./metrics/cluster-metrics.js";
export type {
  MetricsChannel,
  ProcessMetricsGatherer,
  ProcessMetricsMessage,
} from "./metrics/cluster-metrics.js";

export { failOn, maxLength, notNegative, textLength } from "./rpc/checks.js";
export type { Check } from "./rpc/checks.js";
export { mapErrors } from "./rpc/map-errors.js";
export type { FailedCall, ToConnectError } from "./rpc/map-errors.js";
export { codeName, createObservingInterceptor, toConnectError } from "./rpc/observe-call.js";
export type { CallHooks, CallObserver } from "./rpc/observe-call.js";
export { createStreamShutdownInterceptor } from "./rpc/stream-shutdown.js";

export { createServer } from "./server/create-server.js";
export type { Admission, AdmitCall } from "./server/admission.js";
export { clientAddress } from "./server/client-address.js";
export type { Server, ServerAddress, ServerOptions } from "./server/create-server.js";
export type { NodeRequest, NodeResponse } from "./server/node-http.js";
export type { HttpRoute, StaticSite } from "./server/plain-routes.js";
export type { EncodedReply, FastRoute, FastUnaryRoute } from "./server/fast-route.js";
export { messageRoute } from "./server/message-route.js";
export type { FastStreamRoute } from "./server/fast-stream.js";
export {
  isSaneRequestId,
  requestIdHeader,
  requestIdOf,
  resolveRequestId,
} from "./server/request-id.js";

export {
  createServiceTransport,
  guardServiceClient,
  inProcessAnswer,
  isOutcomeUnknown,
  serviceCallError,
  type ServiceTransportOptions,
} from "./rpc/service-client.js";
export {
  createPageTokenSigner,
  minPageTokenSecretBytes,
  pageTokenSignerKey,
  pageTokenSignerOf,
} from "./rpc/page-signer.js";
export type { PageTokenSigner } from "./rpc/page-signer.js";
export { definePaging, pageSize } from "./rpc/paging.js";
export type {
  PagedRequest,
  Paging,
  PagingContext,
  Position,
  PositionFieldKind,
  PositionSpec,
} from "./rpc/paging.js";
export { textProblem } from "./rpc/text.js";
export { createTextCheckInterceptor, findTextProblems } from "./rpc/text-check.js";
export { anonymousPrincipal, principalKey, principalOf } from "./rpc/principal.js";
export type {
  ApiKeyScopeName,
  GlobalRoleName,
  Principal,
  PrincipalApiKey,
  ProjectRoleName,
} from "./rpc/principal.js";

export {
  createClientTracingInterceptor,
  createServerTracingInterceptor,
} from "./tracing/rpc-tracing.js";
export { startTracing, tracingRequested } from "./tracing/sdk.js";
export { tracingSettings } from "./tracing/settings.js";
export type { StopTracing } from "./tracing/sdk.js";
export { traceFields, traced, tracingEnabled } from "./tracing/spans.js";
export type { TracedKind } from "./tracing/spans.js";
