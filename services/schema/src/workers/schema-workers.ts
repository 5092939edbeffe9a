import { createHash } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { ValidationFailureSchema } from "@guardian/api";
import { createDeadline, internalError, workerScript } from "@guardian/kit";
import { Piscina } from "piscina";
import type { DialectName } from "../engine/dialect-names.js";
import type { FormatMode } from "../formats/guardian-formats.js";
import type { SchemaViolation } from "../contract.js";
import type {
  CompileReply,
  SchemaSource,
  ValidateReply,
  WorkerError,
  WorkerRequest,
} from "./worker-tasks.js";

/** Options for {@link createSchemaWorkers}. */
export interface SchemaWorkersOptions {
  /** Worker threads. Default 2. */
  threads?: number;
  /** How long one compile or validate call may take, waiting included. Default 5 s. */
  deadlineMs?: number;
  /** Calls that may wait for a free thread; more get ResourceExhausted. Default 256. */
  maxQueue?: number;
  /**
   * Hears a thread that failed outside any task (its script would not load, an error thrown
   * after a task ended); the thread is replaced on the next task.
   */
  onError?: (err: unknown) => void;
  /** The threads' module, by its path from this file without extension (tests pass another). */
  entry?: string;
}

/** A candidate schema document that passed every check, ready to validate with. */
export interface CheckedCandidate {
  dialect: DialectName;
  source: SchemaSource;
  /** Lint-style findings about the document (see inspectSchema). */
  warnings: SchemaViolation[];
}

/**
 * Whose work a call is. "write": validating a config that is being written. "check": work a
 * caller asks for on its own (ValidateDocument, compiling a candidate schema, checking stored
 * configs against one). Checks never hold more than all but one thread, so writes always
 * find a thread that no caller's checks can take (with at least two threads).
 */
export type WorkLane = "write" | "check";

/**
 * Compiles and validates JSON Schemas on worker threads, so that no schema or document,
 * however costly, holds the event loop. Every call has a deadline; a call that overruns it
 * fails with DeadlineExceeded and its thread is terminated and replaced.
 */
export interface SchemaWorkers {
  /**
   * Checks a candidate schema document, given as JSON text, completely and compiles it
   * (in the "check" lane). Throws InvalidArgument with guardian.v1.ValidationFailure when it
   * is not acceptable.
   */
  compile(text: string, signal?: AbortSignal, formats?: FormatMode): Promise<CheckedCandidate>;
  /**
   * Validates JSON documents (as text); returns the violations of each, in order. A call
   * whose `signal` is already aborted fails with Canceled before it is queued.
   */
  validate(
    schema: SchemaSource,
    documents: string[],
    signal?: AbortSignal,
    lane?: WorkLane,
  ): Promise<SchemaViolation[][]>;
  /** Stops the threads; calls still running fail with Unavailable. */
  close(): Promise<void>;
}

function fromWorker(error: WorkerError): ConnectError {
  const details = error.failure ? [{ desc: ValidationFailureSchema, value: error.failure }] : [];
  return new ConnectError(error.message, error.code, undefined, details);
}

/** Creates the worker pool; threads start on first use. */
export function createSchemaWorkers(opts: SchemaWorkersOptions = {}): SchemaWorkers {
  const threads = opts.threads ?? 2;
  const deadlineMs = opts.deadlineMs ?? 5_000;
  // Piscina does not bound the queue of tasks that carry an abort signal, so this does.
  const maxInFlight = threads + (opts.maxQueue ?? 256);
  let inFlight = 0;
  // The "check" lane: at most all but one thread, callers beyond it wait in order.
  const checkSlots = Math.max(1, threads - 1);
  let checksRunning = 0;
  const checksWaiting: Array<() => void> = [];
  let pool: Piscina | undefined;
  let closed = false;

  const started = (): Piscina => {
    if (closed) throw new ConnectError("schema workers are shut down", Code.Unavailable);
    if (pool !== undefined) return pool;
    pool = new Piscina({
      ...workerScript(import.meta.url, opts.entry ?? "worker-entry"),
      name: "runTask",
      minThreads: 0,
      maxThreads: threads,
      // Keep idle threads (and the validators they compiled) for a while.
      idleTimeout: 60_000,
      // A thread that runs out of its own heap is terminated instead of the whole process.
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    // Piscina emits such a failure on the pool: unheard, it would end the process.
    pool.on("error", (err: unknown) => opts.onError?.(err));
    return pool;
  };

  /** Takes a slot of the "check" lane, waiting for one at most until `deadline`. */
  async function enterCheckLane(deadline: AbortSignal): Promise<void> {
    while (checksRunning >= checkSlots) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          deadline.removeEventListener("abort", expire);
          resolve();
        };
        const expire = () => {
          checksWaiting.splice(checksWaiting.indexOf(wake), 1);
          reject(deadline.reason as Error);
        };
        checksWaiting.push(wake);
        deadline.addEventListener("abort", expire, { once: true });
      });
    }
    checksRunning++;
  }

  function leaveCheckLane(): void {
    checksRunning--;
    checksWaiting.shift()?.();
  }

  async function run<T>(
    req: WorkerRequest,
    signal: AbortSignal | undefined,
    lane: WorkLane,
  ): Promise<T> {
    if (signal?.aborted) throw new ConnectError("the call was canceled", Code.Canceled);
    // Only the deadline stops a running task: stopping one terminates its thread, and a
    // caller must not be able to make the pool restart threads by cancelling cheap calls.
    if (inFlight >= maxInFlight) {
      throw new ConnectError(
        "too many schema checks are waiting for a worker thread; retry later",
        Code.ResourceExhausted,
      );
    }
    // Cleared when the call ends (an AbortSignal.timeout would live on and fire after it).
    const expiry = createDeadline(deadlineMs);
    const deadline = expiry.signal;
    inFlight++;
    let inCheckLane = false;
    try {
      if (lane === "check") {
        await enterCheckLane(deadline);
        inCheckLane = true;
      }
      return (await started().run(req, { signal: deadline })) as T;
    } catch (err) {
      if (deadline.aborted) {
        throw new ConnectError(
          `schema ${req.kind} took longer than the limit of ${deadlineMs} ms ` +
            "(GUARDIAN_SCHEMA_DEADLINE); simplify the schema or the document",
          Code.DeadlineExceeded,
        );
      }
      if (err instanceof ConnectError) throw err;
      if ((err as { code?: unknown }).code === "ERR_WORKER_OUT_OF_MEMORY") {
        throw new ConnectError(
          "schema check ran out of memory; simplify the schema or the document",
          Code.ResourceExhausted,
        );
      }
      if (closed) throw new ConnectError("schema workers are shut down", Code.Unavailable);
      throw internalError(err);
    } finally {
      expiry.clear();
      inFlight--;
      if (inCheckLane) leaveCheckLane();
    }
  }

  return {
    async compile(text, signal, formats = "assert") {
      const hash = createHash("sha256").update(text).digest("base64url");
      // A validator depends on the format mode too.
      const key = `candidate:${formats}:${hash}`;
      const reply = await run<CompileReply>(
        { kind: "compile", schema: { key, content: text, formats } },
        signal,
        "check",
      );
      if (!reply.ok) throw fromWorker(reply.error);
      return {
        dialect: reply.dialect,
        source: { key, content: text, dialect: reply.dialect, formats },
        warnings: reply.warnings,
      };
    },
    async validate(schema, documents, signal, lane = "write") {
      const reply = await run<ValidateReply>({ kind: "validate", schema, documents }, signal, lane);
      if (!reply.ok) throw fromWorker(reply.error);
      return reply.results;
    },
    async close() {
      closed = true;
      await pool?.destroy();
    },
  };
}
