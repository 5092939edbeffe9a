import { EventEmitter } from "node:events";
import type { Worker } from "node:cluster";
import { shareProcessMetrics, type Metrics, type MetricsChannel } from "@guardian/kit";

/** The supervisor's request that one of its server processes drain and exit. */
export const stopMessage = { type: "guardian:stop" } as const;

/** How long the supervisor waits for every process's metrics for one scrape. */
export const metricsTimeoutMs = 5_000;

/** The supervisor's end of the IPC channel to one server process. */
export function metricsChannelOf(worker: Worker): MetricsChannel {
  return {
    send(message) {
      // A process that is going away drops the message; its exit leaves it out of sums.
      if (worker.isConnected()) worker.send(message, undefined, () => {});
    },
    on: (event, listener) => void worker.on(event, listener),
    off: (event, listener) => void worker.off(event, listener),
  };
}

/** A server process's end of the IPC channel to its supervisor. */
function supervisorChannel(): MetricsChannel {
  return {
    send(message) {
      if (process.connected) process.send?.(message, undefined, {}, () => {});
    },
    on: (event, listener) => void process.on(event, listener),
    off: (event, listener) => void process.off(event, listener),
  };
}

/** What a server process run by a supervisor does differently from one on its own. */
export interface SupervisedProcess {
  /** The process's metrics, rendered as the sum over every process of the port. */
  shareMetrics(metrics: Metrics): Metrics;
  /**
   * Where its shutdown starts (kit's `onShutdown` target): the supervisor's stop message or
   * a SIGTERM sent to this process alone, whichever comes first. SIGINT is ignored: a
   * terminal's Ctrl-C reaches the supervisor too, which asks every process to drain.
   */
  stopSignals: Pick<NodeJS.EventEmitter, "on" | "off">;
}

/**
 * Joins the supervisor that started this process (see `superviseProcesses`). The stop
 * requests are heard only once the shutdown is installed, when the server listens: until
 * then a SIGTERM ends the process at once, as it ends a single process that is starting.
 */
export function joinSupervisor(): SupervisedProcess {
  const stopSignals = new EventEmitter();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    stopSignals.emit("SIGTERM");
  };
  stopSignals.once("newListener", () => {
    process.on("SIGTERM", stop);
    process.on("SIGINT", () => {});
    process.on("message", (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type === stopMessage.type) stop();
    });
  });
  return {
    shareMetrics: (metrics) =>
      // A little longer than the supervisor waits, so that its answer says who was missing.
      shareProcessMetrics(metrics, supervisorChannel(), { timeoutMs: metricsTimeoutMs + 1_000 }),
    stopSignals,
  };
}
