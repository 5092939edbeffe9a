import { HealthCheckResponse_ServingStatus as ServingStatus } from "@guardian/api";
import type { ConnectRouter } from "@connectrpc/connect";
import { createHealthCheckRoute, createHealthRoutes } from "./health-service.js";
import type { FastUnaryRoute } from "../server/fast-route.js";
import type { HealthState } from "./health-service.js";
import {
  createDependencyMonitor,
  type DependencyCheck,
  type DependencyMonitor,
} from "./dependency-monitor.js";
import { runChecks } from "./readiness.js";
import type { ReadinessCheck, ReadinessReport, ReadinessResult } from "./readiness.js";

/** Options for {@link createHealth}. */
export interface HealthOptions {
  /** How long one readiness check may take before it counts as failed. Default 5000 ms. */
  readinessTimeoutMs?: number;
}

/**
 * Serving state of a process: per-service gRPC health statuses plus readiness checks.
 *
 * The empty service name `""` is the overall status of the process.
 */
export interface Health {
  /** Sets the status of one fully qualified service name (or `""` for the whole process). */
  setStatus(service: string, status: ServingStatus): void;
  /** Returns the status of a service, or `undefined` when the name was never registered. */
  check(service: string): ServingStatus | undefined;
  /** Adds a named readiness check (for example, a `SELECT 1`); it passes when it resolves. */
  addReadinessCheck(name: string, fn: () => Promise<void>): void;
  /**
   * Checks the process's dependencies in the background (see `createDependencyMonitor`):
   * while one fails, the services that depend on it and the overall status `""` report
   * NOT_SERVING (to Check and Watch), and readiness fails. Call once; {@link Health.shutdown}
   * stops the checks. Resolves when the first round of checks has ended.
   */
  monitorDependencies(
    checks: readonly DependencyCheck[],
    opts: { intervalMs: number; timeoutMs: number },
  ): Promise<void>;
  /**
   * Runs every readiness check concurrently and adds the latest outcome of every monitored
   * dependency; `ok` only when all pass and no shutdown began.
   */
  runReadiness(): Promise<ReadinessReport>;
  /** The latest outcome of every monitored dependency (empty when none are monitored). */
  dependencyResults(): readonly ReadinessResult[];
  /** Registers the `grpc.health.v1.Health` service (Check and Watch) on a router. */
  routes: (router: ConnectRouter) => void;
  /** `Health/Check` on the server's fast route (the same answers as {@link Health.routes}). */
  readonly fastRoutes: readonly FastUnaryRoute[];
  /** Marks everything NOT_SERVING for good and ends every Watch stream. Idempotent. */
  shutdown(): void;
  /** True once {@link Health.shutdown} was called. */
  readonly shuttingDown: boolean;
}

/**
 * Creates a health registry. The overall status `""` starts SERVING; services report whatever
 * {@link Health.setStatus} last set, NOT_SERVING while a monitored dependency of theirs fails,
 * and everything reports NOT_SERVING once shutdown begins.
 */
export function createHealth(opts: HealthOptions = {}): Health {
  const statuses = new Map<string, ServingStatus>([["", ServingStatus.SERVING]]);
  const checks: ReadinessCheck[] = [];
  const waiters = new Set<() => void>();
  let shuttingDown = false;
  let dependencies: DependencyMonitor | undefined;

  const notify = (): void => {
    const pending = [...waiters];
    waiters.clear();
    for (const wake of pending) {
      wake();
    }
  };

  const state: HealthState = {
    statusOf(service) {
      const status = statuses.get(service);
      if (status === undefined) return undefined;
      if (shuttingDown) return ServingStatus.NOT_SERVING;
      if (status === ServingStatus.SERVING && dependencies && !dependencies.serviceOk(service)) {
        return ServingStatus.NOT_SERVING;
      }
      return status;
    },
    changed(signal) {
      return new Promise((resolve) => {
        const wake = (): void => {
          waiters.delete(wake);
          signal.removeEventListener("abort", wake);
          resolve();
        };
        if (signal.aborted || shuttingDown) {
          resolve();
          return;
        }
        waiters.add(wake);
        signal.addEventListener("abort", wake, { once: true });
      });
    },
    get shuttingDown() {
      return shuttingDown;
    },
  };

  return {
    setStatus(service, status) {
      if (statuses.get(service) !== status) {
        statuses.set(service, status);
        notify();
      }
    },
    check: (service) => state.statusOf(service),
    addReadinessCheck(name, fn) {
      checks.push({ name, fn });
    },
    monitorDependencies(list, monitorOpts) {
      if (dependencies) throw new Error("dependencies are already monitored");
      dependencies = createDependencyMonitor({ checks: list, ...monitorOpts, onChange: notify });
      if (shuttingDown) dependencies.stop();
      return dependencies.firstRound;
    },
    async runReadiness() {
      const report = await runChecks(checks, opts.readinessTimeoutMs ?? 5000);
      const all = [...report.checks, ...(dependencies?.results() ?? [])];
      if (shuttingDown) all.push({ name: "shutdown", ok: false, error: "shutting down" });
      return { ok: all.every((c) => c.ok), checks: all };
    },
    dependencyResults: () => dependencies?.results() ?? [],
    routes: createHealthRoutes(state),
    fastRoutes: [createHealthCheckRoute(state)],
    shutdown() {
      if (!shuttingDown) {
        shuttingDown = true;
        dependencies?.stop();
        notify();
      }
    },
    get shuttingDown() {
      return shuttingDown;
    },
  };
}
