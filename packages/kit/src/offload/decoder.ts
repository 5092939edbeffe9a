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
 * How many bytes of request bodies may wait for the thread or be in it at once, by default.
 * Each is copied to the thread, so the bound caps that copy; requests beyond it go to Connect
 * as they are, decoded where they arrived, as without the thread.
 */
const defaultMaxQueuedBytes = 64 * 1024 * 1024;

/**
 * Creates the decoder. Its one thread starts on first use, does not keep the process alive,
 * and is started again after it fails (a request it was decoding goes to Connect as it is).
 * At most `maxQueuedBytes` of bodies are handed to it at once.
 */
export function createRequestDecoder(opts: {
  logger: Logger;
  maxQueuedBytes?: number;
}): RequestDecoder {
  const maxQueuedBytes = opts.maxQueuedBytes ?? defaultMaxQueuedBytes;
  let worker: Worker | undefined;
  let nextId = 0;
  let queuedBytes = 0;
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
      const size = task.body.byteLength;
      if (queuedBytes > 0 && queuedBytes + size > maxQueuedBytes) {
        return Promise.resolve(undefined);
      }
      queuedBytes += size;
      return new Promise<DecodedRequest | undefined>((settle) => {
        let settled = false;
        const resolve = (decoded: DecodedRequest | undefined) => {
          if (settled) return;
          settled = true;
          queuedBytes -= size;
          settle(decoded);
        };
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
