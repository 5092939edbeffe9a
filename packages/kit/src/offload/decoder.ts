import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Logger } from "../logging/logger.js";
import type { DecodeAnswer, DecodeJob } from "./decode-entry.js";
import type { DecodeTask, DecodedRequest } from "./decode-task.js";
import { workerScript } from "./worker-script.js";

/** Decodes large request messages on a worker thread (see `decode-task.ts`). */
export interface RequestDecoder {
  /**
   * Decodes the request of the method at `path` (`service/method`); resolves undefined when
   * the request is to go to Connect as it is (including when the thread failed).
   */
  decode(path: string, task: DecodeTask): Promise<DecodedRequest | undefined>;
  /** Stops the thread; requests still being decoded resolve undefined. */
  close(): Promise<void>;
}

/**
 * Creates the decoder. Its one thread starts on first use, does not keep the process alive,
 * and is started again after it fails (a request it was decoding goes to Connect as it is).
 */
export function createRequestDecoder(opts: { logger: Logger }): RequestDecoder {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, (decoded: DecodedRequest | undefined) => void>();

  const settleAll = (): void => {
    for (const resolve of pending.values()) resolve(undefined);
    pending.clear();
  };

  const started = (): Worker => {
    if (worker) return worker;
    const script = workerScript(import.meta.url, "decode-entry");
    // From source, the thread loads tsx's loader first; its require hook (the one that works
    // in worker threads on every Node version) then compiles the TypeScript entry.
    const [, loader] = script.execArgv;
    const code = loader
      ? `import(${JSON.stringify(loader)}).then(() => require(${JSON.stringify(fileURLToPath(script.filename))}))`
      : `import(${JSON.stringify(script.filename)})`;
    const thread = new Worker(code, {
      eval: true,
      // A thread that runs out of its own heap ends instead of the whole process.
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    thread.unref();
    thread.once("online", () => opts.logger.debug("request decoding thread started"));
    thread.on("message", (answer: DecodeAnswer) => {
      const resolve = pending.get(answer.id);
      pending.delete(answer.id);
      resolve?.(answer.decoded);
    });
    thread.on("error", (err) => opts.logger.warn({ err }, "request decoding thread failed"));
    thread.on("exit", () => {
      if (worker === thread) worker = undefined;
      settleAll();
    });
    worker = thread;
    return thread;
  };

  return {
    decode(path, task) {
      return new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        try {
          started().postMessage({ id, path, task } satisfies DecodeJob);
        } catch (err) {
          opts.logger.warn({ err }, "request decoding thread unavailable");
          pending.delete(id);
          resolve(undefined);
        }
      });
    },
    async close() {
      const thread = worker;
      worker = undefined;
      settleAll();
      await thread?.terminate();
    },
  };
}
