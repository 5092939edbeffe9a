import { sleep } from "../timing/backoff.js";
import { runOne, type ReadinessResult } from "./readiness.js";

/** A dependency of a process (a database, etcd, another service) and how to check it. */
export interface DependencyCheck {
  /** Names the dependency in `/readyz` (for example `postgres`, `etcd`, `store`). */
  readonly name: string;
  /** Resolves when the dependency answers; rejects (or outlasts the timeout) when not. */
  readonly check: () => Promise<void>;
  /**
   * The fully qualified service names that cannot work without it; unset: every service of
   * the process. The overall status `""` depends on every dependency.
   */
  readonly services?: readonly string[];
}

/** Options of {@link createDependencyMonitor}. */
export interface DependencyMonitorOptions {
  readonly checks: readonly DependencyCheck[];
  /** Pause between two rounds of checks. */
  readonly intervalMs: number;
  /** How long one check may take before it counts as failed. */
  readonly timeoutMs: number;
  /** Called after a round whose outcome differs from the previous one. */
  readonly onChange: () => void;
}

/** The background checks of a process's dependencies; see {@link createDependencyMonitor}. */
export interface DependencyMonitor {
  /** The latest outcome of every check; a check not yet run has failed ("not checked yet"). */
  results(): readonly ReadinessResult[];
  /** Tells whether every dependency of `service` passed its latest check. */
  serviceOk(service: string): boolean;
  /** Resolves once the first round has ended (at once when there is nothing to check). */
  readonly firstRound: Promise<void>;
  /** Ends the checks; a round in progress finishes without reporting. */
  stop(): void;
}

/**
 * Starts checking dependencies in the background: one round at once, then one every
 * `intervalMs` after the previous round ended, every check of a round concurrently and each
 * within `timeoutMs`. Probes read the latest outcome and never run a check themselves, so a
 * dependency that hangs costs a probe nothing and a flood of probes costs the dependency
 * nothing.
 */
export function createDependencyMonitor(opts: DependencyMonitorOptions): DependencyMonitor {
  const stopped = new AbortController();
  let latest: ReadinessResult[] = opts.checks.map((c) => ({
    name: c.name,
    ok: false,
    error: "not checked yet",
  }));
  let roundEnded: () => void = () => {};
  const firstRound = new Promise<void>((resolve) => (roundEnded = resolve));
  const loop = async () => {
    while (!stopped.signal.aborted) {
      const round = await Promise.all(
        opts.checks.map((c) => runOne({ name: c.name, fn: c.check }, opts.timeoutMs)),
      );
      if (stopped.signal.aborted) break;
      const changed = round.some((r, i) => r.ok !== latest[i]?.ok);
      latest = round;
      roundEnded();
      if (changed) opts.onChange();
      await sleep(opts.intervalMs, stopped.signal);
    }
    roundEnded();
  };
  if (opts.checks.length > 0) void loop();
  else roundEnded();
  return {
    firstRound,
    results: () => latest,
    serviceOk(service) {
      return opts.checks.every(
        (c, i) =>
          latest[i]?.ok === true ||
          (service !== "" && c.services !== undefined && !c.services.includes(service)),
      );
    },
    stop: () => stopped.abort(),
  };
}
