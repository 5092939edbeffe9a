import { Code, ConnectError } from "@connectrpc/connect";
import type { SchemaViolation } from "../contract.js";

/** Limits of one batch of documents validated by one worker task. */
export interface ValidationBatchLimits {
  /** Most documents in one task. Default 64. */
  maxDocuments?: number;
  /**
   * Most characters of JSON text in one task; a longer document is never batched, it is
   * validated by a task of its own. Default 64 Ki.
   */
  maxChars?: number;
}

interface Waiting {
  document: string;
  signal: AbortSignal | undefined;
  resolve(violations: SchemaViolation[]): void;
  reject(err: unknown): void;
}

/**
 * Validates the documents of writes against ONE schema version, gathering the calls that
 * arrive in the same turn of the event loop into one worker task (`run` validates a list of
 * documents and returns the violations of each, in order). Under concurrent writes this
 * replaces a task hand-off per write (a message to a thread, a wake-up, a reply) by one per
 * batch. No timer is involved: a lone call goes out on the next turn. Batches do not wait
 * for each other, so the threads still share the load.
 *
 * A batch that fails (its deadline passed: one document of it is costly; or anything else)
 * is run again document by document, so each caller gets its own outcome: a costly document
 * fails alone with DeadlineExceeded, and the others of its batch are answered late by at
 * most one deadline. A call whose signal was aborted before its batch went out fails with
 * Canceled.
 */
export function createValidationBatcher(
  run: (documents: string[]) => Promise<SchemaViolation[][]>,
  limits: ValidationBatchLimits = {},
): (document: string, signal?: AbortSignal) => Promise<SchemaViolation[]> {
  const maxDocuments = limits.maxDocuments ?? 64;
  const maxChars = limits.maxChars ?? 64 * 1024;
  let queue: Waiting[] = [];
  let scheduled = false;

  const one = async (document: string) => (await run([document]))[0] ?? [];

  async function send(batch: Waiting[]): Promise<void> {
    let results: SchemaViolation[][];
    try {
      results = await run(batch.map((w) => w.document));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      await Promise.all(
        batch.map((w) => one(w.document).then(w.resolve, (e: unknown) => w.reject(e))),
      );
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i] ?? []));
  }

  function flush(): void {
    scheduled = false;
    const ready = queue.filter((w) => {
      if (!w.signal?.aborted) return true;
      w.reject(new ConnectError("the call was canceled", Code.Canceled));
      return false;
    });
    queue = [];
    let batch: Waiting[] = [];
    let chars = 0;
    for (const w of ready) {
      if (batch.length === maxDocuments || chars + w.document.length > maxChars) {
        void send(batch);
        batch = [];
        chars = 0;
      }
      batch.push(w);
      chars += w.document.length;
    }
    if (batch.length > 0) void send(batch);
  }

  return (document, signal) => {
    if (signal?.aborted) {
      return Promise.reject(new ConnectError("the call was canceled", Code.Canceled));
    }
    if (document.length > maxChars) return one(document);
    return new Promise<SchemaViolation[]>((resolve, reject) => {
      queue.push({ document, signal, resolve, reject });
      if (scheduled) return;
      scheduled = true;
      setImmediate(flush);
    });
  };
}
