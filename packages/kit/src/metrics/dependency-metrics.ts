import { Gauge, type Registry } from "prom-client";

/** One dependency's latest check, as the readiness monitor reports it. */
export interface DependencyState {
  readonly name: string;
  readonly ok: boolean;
}

/**
 * Registers `guardian_dependency_up{dependency}` in `registry`: 1 while the dependency's
 * latest check passed, 0 while it fails (or was not checked yet). The values are read from
 * `states` when scraped, so the gauge always shows what readiness reports. Summed over the
 * processes of one port (see `shareProcessMetrics`), it is their minimum.
 */
export function registerDependencyMetrics(
  registry: Registry,
  states: () => readonly DependencyState[],
): void {
  new Gauge({
    name: "guardian_dependency_up",
    help: "1 when the dependency (postgres, etcd, the store, redis) answered its latest check, else 0.",
    labelNames: ["dependency"] as const,
    registers: [registry],
    // Several processes on one port report one value: up only while every one sees it up.
    aggregator: "min",
    collect() {
      for (const s of states()) this.set({ dependency: s.name }, s.ok ? 1 : 0);
    },
  });
}
