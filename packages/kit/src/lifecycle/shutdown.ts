import type { Logger } from "../logging/logger.js";

/** One step of an orderly shutdown, such as "stop accepting work" or "close the pg pool". */
export interface ShutdownStep {
  readonly name: string;
  readonly run: () => Promise<void>;
}

/** Options for {@link onShutdown}. */
export interface ShutdownOptions {
  /** Budget for all steps together; when it runs out the process exits 1. */
  timeoutMs: number;
  /** Signals that start the shutdown. Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /** Ends the process; tests replace it. Default `process.exit`. */
  exit?: (code: number) => void;
  /** Where signals are listened for; tests pass an EventEmitter. Default `process`. */
  target?: Pick<NodeJS.EventEmitter, "on" | "off">;
}

/** Handle returned by {@link onShutdown}. */
export interface ShutdownHandle {
  /** Runs the shutdown now, as if a signal arrived (for example after a fatal error). */
  trigger(reason: string): void;
  /** Removes the signal handlers without shutting down. */
  uninstall(): void;
}

const installed = new WeakSet<object>();

/**
 * Installs SIGTERM/SIGINT handlers that shut the process down in order, once.
 *
 * The first signal runs the steps one after another, logging each, then exits 0, or 1 when a
 * step failed (later steps still run) or the whole sequence outlasted `timeoutMs`. A second
 * signal during shutdown exits 1 at once. Installing twice on the same target throws.
 */
export function onShutdown(
  logger: Logger,
  steps: readonly ShutdownStep[],
  opts: ShutdownOptions,
): ShutdownHandle {
  const target = opts.target ?? process;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const signals = opts.signals ?? ["SIGTERM", "SIGINT"];
  if (installed.has(target)) {
    throw new Error("onShutdown: shutdown handlers are already installed");
  }
  installed.add(target);
  let started = false;

  const runSteps = async (): Promise<number> => {
    let code = 0;
    for (const step of steps) {
      const began = Date.now();
      logger.info({ step: step.name }, "shutdown step started");
      try {
        await step.run();
        logger.info({ step: step.name, durationMs: Date.now() - began }, "shutdown step done");
      } catch (err) {
        code = 1;
        logger.error({ step: step.name, err }, "shutdown step failed");
      }
    }
    return code;
  };

  const trigger = (reason: string): void => {
    if (started) {
      logger.warn({ reason }, "second shutdown request, exiting now");
      exit(1);
      return;
    }
    started = true;
    logger.info({ reason }, "shutting down");
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        logger.error({ timeoutMs: opts.timeoutMs }, "shutdown timed out");
        resolve(1);
      }, opts.timeoutMs);
    });
    void Promise.race([runSteps(), timeout]).then((code) => {
      clearTimeout(timer);
      logger.info({ exitCode: code }, "shutdown finished");
      logger.flush();
      exit(code);
    });
  };

  const handlers = signals.map((signal) => {
    const handler = (): void => trigger(signal);
    target.on(signal, handler);
    return [signal, handler] as const;
  });

  return {
    trigger,
    uninstall() {
      for (const [signal, handler] of handlers) {
        target.off(signal, handler);
      }
      installed.delete(target);
    },
  };
}
