import { readFile } from "node:fs/promises";
import {
  ClientClosedError,
  CompareResult,
  CompareTarget,
  Etcd3,
  EtcdError,
  EtcdLeaseInvalidError,
  GRPCGenericError,
  isRecoverableError,
  type ICompare,
  type IRangeRequest,
  type IRequestOp,
} from "etcd3";
import { StoreError } from "../errors.js";

/** How to reach an etcd cluster. */
export interface EtcdConnectionOptions {
  endpoints: string[];
  auth?: { username: string; password: string };
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** Deadline of each unary etcd call. Default 5 s. */
  callTimeoutMs?: number;
}

/** Opens an etcd client; TLS files are read now, so a wrong path fails at startup. */
export async function createEtcdClient(opts: EtcdConnectionOptions): Promise<Etcd3> {
  if (opts.endpoints.length === 0) throw new Error("etcd needs at least one endpoint");
  const callTimeoutMs = opts.callTimeoutMs ?? 5_000;
  const tls = opts.tls;
  const secure = tls && (tls.caFile || tls.certFile || tls.keyFile);
  const credentials = secure
    ? {
        // Without a CA file gRPC falls back to the system roots.
        rootCertificate: (tls.caFile ? await readFile(tls.caFile) : undefined) as Buffer,
        certChain: tls.certFile ? await readFile(tls.certFile) : undefined,
        privateKey: tls.keyFile ? await readFile(tls.keyFile) : undefined,
      }
    : undefined;
  return new Etcd3({
    hosts: opts.endpoints,
    auth: opts.auth,
    credentials,
    dialTimeout: callTimeoutMs,
    grpcOptions: {
      // Range pages and watch batches carry whole documents.
      "grpc.max_receive_message_length": 256 * 1024 * 1024,
      // Finds a dead connection (a crashed member) even when no call is active on it.
      "grpc.keepalive_time_ms": 10_000,
      "grpc.keepalive_timeout_ms": 5_000,
    },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
  });
}

/** True when etcd refused a read at a revision it has compacted. */
export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes("required revision has been compacted");
}

/** True when etcd refused a read at a revision it has not reached. */
export function isFutureRevisionError(err: unknown): boolean {
  return err instanceof Error && err.message.includes("required revision is a future revision");
}

/** True when a put named a lease etcd no longer has. */
export function isLeaseNotFound(err: unknown): boolean {
  return (
    err instanceof EtcdLeaseInvalidError ||
    (err instanceof Error && err.message.includes("requested lease not found"))
  );
}

/**
 * Maps an etcd failure to a StoreError where the store has a kind for it: compaction,
 * future revisions, and everything that means "etcd cannot answer now" (no quorum, no leader,
 * a dead member, a deadline, a closed client). Anything else is returned unchanged.
 */
export function toStoreError(err: unknown, what: string): unknown {
  if (err instanceof StoreError) return err;
  if (isCompactedError(err)) {
    return new StoreError(
      "compacted",
      `${what}: the revision has been compacted`,
      {},
      { cause: err },
    );
  }
  if (isFutureRevisionError(err)) {
    return new StoreError(
      "future_revision",
      `${what}: the revision is in the future`,
      {},
      { cause: err },
    );
  }
  if (err instanceof Error && err.message.includes("request is too large")) {
    // The store has no error kind for this; the config service enforces a smaller size limit.
    return new Error(
      `${what}: the transaction exceeds etcd's --max-request-bytes (a write holds its value twice)`,
      { cause: err },
    );
  }
  if (err instanceof ClientClosedError) {
    return new StoreError("unavailable", "the store is shutting down", {}, { cause: err });
  }
  const transient =
    err instanceof Error &&
    (isRecoverableError(err) ||
      // The client library's circuit breakers refuse calls to members that keep failing.
      "isBrokenCircuitError" in err ||
      "isIsolatedCircuitError" in err ||
      "isHydratingCircuitError" in err ||
      err instanceof GRPCGenericError ||
      (err instanceof EtcdError &&
        /leader|timed out|too many requests|not capable/.test(err.message)));
  if (transient) {
    return new StoreError("unavailable", `etcd is unavailable (${what})`, {}, { cause: err });
  }
  return err;
}

/** Runs one etcd call and maps its failure with {@link toStoreError}. */
export async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toStoreError(err, what);
  }
}

/** A range operation for a transaction. */
export function rangeOp(req: IRangeRequest): IRequestOp {
  return { request_range: req };
}

/** A put operation for a transaction. */
export function putOp(key: Buffer, value: Buffer, lease?: string): IRequestOp {
  return { request_put: { key, value, lease } };
}

/** A delete operation for a transaction. */
export function deleteOp(key: Buffer): IRequestOp {
  return { request_delete_range: { key } };
}

/** Compares a key's mod_revision with `revision` (0: the key does not exist). */
export function modIs(key: Buffer, revision: bigint): ICompare {
  return {
    key,
    target: CompareTarget.Mod,
    result: CompareResult.Equal,
    mod_revision: revision.toString(),
  };
}

/** Compares that a key does not exist (its create_revision is 0). */
export function absent(key: Buffer): ICompare {
  return { key, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 };
}
