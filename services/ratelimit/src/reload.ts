import type { Logger } from "@guardian/kit";
import { LimitsConfigError, type LimitsConfig } from "./limits/config.js";
import { watchLimits, type LimitsWatcher } from "./limits/watch.js";
import type { RateLimiter } from "./limiter.js";
import type { RateLimitMetrics } from "./rls/metrics.js";

/** Options for {@link reloadLimitsOnChange}. */
export interface ReloadOptions {
  /** GUARDIAN_RATELIMIT_CONFIG: the limits file or directory. */
  path: string;
  /** The files the limiter was started with. */
  initial: ReadonlyMap<string, string>;
  limiter: RateLimiter;
  metrics: RateLimitMetrics;
  logger: Logger;
  /** How often the files are stat'ed besides the directory watch. */
  pollMs: number;
  /** Quiet time after a file event; default 250 ms. */
  debounceMs?: number;
}

/**
 * Keeps the limiter's limits in step with the files: a valid change is applied (counters of
 * unchanged descriptors keep counting) and logged; an invalid or unreadable file is logged
 * with every problem and counted (`guardian_ratelimit_config_reloads_total{result="error"}`,
 * `guardian_ratelimit_config_valid` 0) while the previous limits stay in force.
 */
export function reloadLimitsOnChange(opts: ReloadOptions): LimitsWatcher {
  const { logger } = opts;
  const domains = (configs: readonly LimitsConfig[]) => configs.map((c) => c.domain);
  return watchLimits({
    path: opts.path,
    initial: opts.initial,
    pollMs: opts.pollMs,
    debounceMs: opts.debounceMs,
    onChange(limits) {
      opts.limiter.setLimits(limits);
      opts.metrics.onReload("ok");
      logger.info({ file: opts.path, domains: domains(limits) }, "rate limits reloaded");
    },
    onError(err) {
      opts.metrics.onReload("error");
      const problems = err instanceof LimitsConfigError ? err.problems : [(err as Error).message];
      logger.error(
        { file: opts.path, problems },
        "rate limit config rejected; the previous limits stay",
      );
    },
    onUnchanged() {
      logger.debug({ file: opts.path }, "rate limit files touched, text unchanged");
    },
  });
}
