/**
 * The TypeScript SDK of Guardian: typed clients of its public services, token providers, and
 * subscriptions that keep a live, exactly-once copy of a project's configs.
 *
 * Glossary:
 * - **subscription**: an in-memory copy of the configs one watch covers (a key, a prefix or
 *   a project), kept current through ConfigService/Watch and re-opened from its last
 *   revision after a disconnect.
 * - **revision**: the server's global, monotonic write counter. A change carries the
 *   revision of its write; the copy reflects the revision of the last change or bookmark.
 * - **resync**: the server no longer holds the changes since the copy's revision and sends
 *   a full snapshot instead; the subscription delivers only what differs from its copy.
 * - **stale**: the copy came from the cache (last known good) and no live data has arrived.
 * - **token provider**: the source of bearer tokens; it refreshes them before they expire
 *   and on demand after the server answered Unauthenticated.
 *
 * - **apply report**: what one running instance did with a config version (applied it, or
 *   rejected it with a reason), sent by a {@link StatusReporter}.
 *
 * `fileCache` is the only part that needs Node's file system; it lives in its own module.
 */
export { createGuardianClient } from "./client.js";
export type { GuardianClient } from "./client.js";
export type { GuardianClientOptions } from "./options.js";
export { defaultTransport, grpcTransport } from "./transport.js";
export type { Protocol, TransportFactory, TransportInit } from "./transport.js";
export { tokenSource } from "./tokens/token-provider.js";
export type { AccessToken, TokenProvider, TokenSourceOptions } from "./tokens/token-provider.js";
export { builtInTokens } from "./tokens/built-in.js";
export type { BuiltInTokenProvider, BuiltInTokensOptions } from "./tokens/built-in.js";
export type {
  CachedState,
  ClientLogger,
  ConfigChange,
  ConfigEntry,
  SubscribeOptions,
  Subscription,
  SubscriptionCache,
  WatchTarget,
} from "./subscription/types.js";
export { decodeCachedState, encodeCachedState } from "./subscription/cache-format.js";
export { createStatusReporter } from "./reporter.js";
export type { StatusReporter, StatusReporterOptions } from "./reporter.js";
export { fileCache } from "./file-cache.js";
export type { FileCacheOptions } from "./file-cache.js";
