import cluster, { type Worker } from "node:cluster";
import { createBackoff, gatherProcessMetrics, sleep, type Logger } from "@guardian/kit";
import { metricsChannelOf, metricsTimeoutMs, stopMessage } from "./process-channel.js";

/** What {@link superviseProcesses} needs. */
export interface SuperviseOptions {
  /** How many server processes to keep running. */
  count: number;
  logger: Logger;
  /** The processes' own GUARDIAN_SHUTDOWN_TIMEOUT: how long each may take to drain. */
  shutdownTimeoutMs: number;
}

/** Start failures in a row, after the first process started, before the supervisor gives up. */
const maxStartFailures = 5;
/** A process that served this long before it died is replaced without a long wait. */
const stableAfterMs = 60_000;

interface Member {
  readonly worker: Worker;
  /** When it started listening; undefined while it starts. */
  listeningAt?: number;
  /** How it was told to stop: drain (it listened), or end (it was still starting). */
  stop?: "drain" | "end";
}

/**
 * Runs `count` copies of this very command (node:cluster workers of the same script and
 * arguments) on one shared port, and resolves with the exit code once they are all gone.
 *
 * - The first process starts alone, so that a start failure is reported once, as with one
 *   process, and the supervisor exits with its code; the others start once it listens.
 * - A process that dies later is replaced after a backoff (exponential with full jitter,
 *   reset once a process served for a minute); replacements that die before they listen
 *   count as start failures, and after {@link maxStartFailures} in a row everything stops
 *   with exit code 1.
 * - SIGTERM or SIGINT asks every process to drain (as one process does on SIGTERM); the
 *   supervisor exits 0 when every one drained cleanly, else 1. A second signal, or drains
 *   that outlast the processes' own shutdown budget, end them at once with exit code 1.
 * - A scrape of `/metrics` that reaches any process answers the sum over all of them.
 */
export function superviseProcesses(opts: SuperviseOptions): Promise<number> {
  const { logger } = opts;
  const members = new Map<number, Member>();
  const metrics = gatherProcessMetrics({ timeoutMs: metricsTimeoutMs });
  const backoff = createBackoff({ initialMs: 500, maxMs: 30_000 });
  const stopping = new AbortController();
  const finished = new AbortController();
  let started = false;
  let startFailures = 0;
  let exitCode = 0;
  let resolve: (code: number) => void = () => {};
  const done = new Promise<number>((r) => (resolve = r));
  const finish = (): void => {
    finished.abort();
    resolve(exitCode);
  };

  const killAll = (): void => {
    exitCode = 1;
    for (const member of members.values()) member.worker.process.kill("SIGKILL");
  };

  const stopAll = (code: number, reason: string): void => {
    if (stopping.signal.aborted) return;
    stopping.abort();
    exitCode = code;
    logger.info({ reason, processes: members.size }, "stopping every server process");
    for (const member of members.values()) {
      if (member.listeningAt === undefined) {
        // Still starting, nothing to drain: its default SIGTERM action ends it.
        member.stop = "end";
        member.worker.process.kill("SIGTERM");
      } else {
        member.stop = "drain";
        if (member.worker.isConnected()) member.worker.send(stopMessage, undefined, () => {});
      }
    }
    if (members.size === 0) return finish();
    // Each process keeps to its own shutdown budget; past it and a margin, end them.
    void sleep(opts.shutdownTimeoutMs + 10_000, finished.signal).then(() => {
      if (finished.signal.aborted) return;
      logger.error({ processes: members.size }, "server processes did not drain in time");
      killAll();
    });
  };

  const fork = (): void => {
    const worker = cluster.fork();
    const member: Member = { worker };
    members.set(worker.id, member);
    worker.once("listening", () => {
      member.listeningAt = Date.now();
      startFailures = 0;
      metrics.join(worker.id, metricsChannelOf(worker));
      if (stopping.signal.aborted) return;
      if (!started) {
        started = true;
        for (let i = 1; i < opts.count; i++) fork();
      }
      const listening = [...members.values()].filter((m) => m.listeningAt !== undefined);
      if (listening.length === opts.count) {
        const pids = listening.map((m) => m.worker.process.pid);
        logger.info({ pids }, "every server process listens");
      }
    });
    worker.once("exit", (code: number | null, signal: string | null) => {
      members.delete(worker.id);
      metrics.leave(worker.id);
      exited(member, code, signal);
    });
  };

  const exited = (member: Member, code: number | null, signal: string | null): void => {
    const pid = member.worker.process.pid;
    if (stopping.signal.aborted) {
      if (member.stop !== "end" && code !== 0) exitCode = 1;
      if (members.size === 0) finish();
      return;
    }
    if (!started) {
      return stopAll(code || 1, "the first server process failed to start");
    }
    if (member.listeningAt === undefined && ++startFailures >= maxStartFailures) {
      logger.error({ pid, code, signal, startFailures }, "server processes keep failing to start");
      return stopAll(1, "server processes keep failing to start");
    }
    if (member.listeningAt !== undefined && Date.now() - member.listeningAt > stableAfterMs) {
      backoff.reset();
    }
    const restartInMs = backoff.next();
    logger.error({ pid, code, signal, restartInMs }, "server process exited; replacing it");
    void sleep(restartInMs, stopping.signal).then(() => {
      if (!stopping.signal.aborted) fork();
    });
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (!stopping.signal.aborted) return stopAll(0, signal);
    logger.warn({ signal }, "second shutdown request, ending every server process now");
    killAll();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  logger.info({ processes: opts.count }, "starting server processes");
  fork();
  return done;
}
