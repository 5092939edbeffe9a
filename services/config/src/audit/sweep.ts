import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import type { StoreService } from "@guardian/api";
import { type PendingEvent, selectStalePending, settleAuditEvent } from "@guardian/authz";
import type pg from "pg";

/** Options of {@link sweepPendingAudit}. */
export interface AuditSweepOptions {
  pool: pg.Pool;
  store: Client<typeof StoreService>;
  /** Only events pending for longer than this are decided: no call can still be running. */
  pendingTimeoutMs: number;
  /** Events decided per run at most. Default 500. */
  limit?: number;
}

/** What one sweep decided. */
export interface AuditSweepResult {
  /** Config writes found in the store by their request id: now 'ok'. */
  written: number;
  /** Config writes whose request id no store revision carries: now 'failed' (not written). */
  notWritten: number;
  /** Mutations whose outcome cannot be looked up: now 'failed' with error code 'unknown'. */
  unknown: number;
}

const configWrites = /^guardian\.config\.v1\.ConfigService\/(Create|Update|Delete|Rollback)Config$/;
/** Store records older than the event by more than this cannot be its write (clock skew). */
const skewMs = 60_000;

/**
 * Settles audit events left 'pending' by a process that died (or lost the store) between a
 * mutation and its outcome, once they are older than `pendingTimeoutMs`:
 * - a config write is looked up in the store: when a revision of its config carries the
 *   event's request id (and actor), the event becomes 'ok' with that revision; otherwise the
 *   write never committed and the event becomes 'failed' (error code 'unavailable',
 *   detail.outcome 'not_written');
 * - every other mutation (projects, schemas) leaves no request id in PostgreSQL, so its event
 *   becomes 'failed' with error code 'unknown' and detail.outcome 'unknown': it may or may not
 *   have happened.
 * A store that cannot be read leaves config writes pending for the next sweep. Each event is
 * changed only while still pending, so concurrent sweeps and late settlements never clash.
 */
export async function sweepPendingAudit(opts: AuditSweepOptions): Promise<AuditSweepResult> {
  const events = await selectStalePending(opts.pool, opts.pendingTimeoutMs, opts.limit ?? 500);
  const result: AuditSweepResult = { written: 0, notWritten: 0, unknown: 0 };
  for (const e of events) {
    const prefix = `projects/${e.project ?? ""}/configs/`;
    const key = e.target.startsWith(prefix) ? e.target.slice(prefix.length) : "";
    if (!configWrites.test(e.action) || !e.project || !key || !e.request_id) {
      const detail = { outcome: "unknown", settled_by: "audit_sweep" };
      if (
        await settleAuditEvent(opts.pool, e.id, { result: "failed", errorCode: "unknown", detail })
      )
        result.unknown++;
      continue;
    }
    const revision = await findWrite(opts.store, e.project, key, e);
    const settled =
      revision !== undefined
        ? { result: "ok", errorCode: "", detail: { revision: revision.toString() } }
        : { result: "failed", errorCode: "unavailable", detail: { outcome: "not_written" } };
    const detail = { ...settled.detail, settled_by: "audit_sweep" };
    if (await settleAuditEvent(opts.pool, e.id, { ...settled, detail })) {
      if (revision !== undefined) result.written++;
      else result.notWritten++;
    }
  }
  return result;
}

/** Finds the revision of a config written by the event's request (newest first), if any. */
async function findWrite(
  store: Client<typeof StoreService>,
  project: string,
  key: string,
  e: PendingEvent,
): Promise<bigint | undefined> {
  let pageToken = "";
  for (;;) {
    const page = await store.listKeyRevisions({ project, key, pageSize: 100, pageToken });
    for (const r of page.records) {
      const sameActor = e.actor === "" || r.meta?.author === e.actor;
      if (r.meta?.requestId === e.request_id && sameActor) return r.revision;
      const time = r.meta?.time && timestampDate(r.meta.time);
      if (time && time.getTime() < e.at.getTime() - skewMs) return undefined;
    }
    if (!page.nextPageToken) return undefined;
    pageToken = page.nextPageToken;
  }
}

/**
 * Runs {@link sweepPendingAudit} shortly and then every `intervalMs` until `signal` aborts.
 * Failures (a store or database that cannot be reached) are reported and retried next time.
 */
export function startAuditSweep(
  opts: AuditSweepOptions & {
    intervalMs: number;
    signal: AbortSignal;
    onError?: (err: unknown) => void;
  },
): void {
  let running = false;
  const run = () => {
    if (running || opts.signal.aborted) return;
    running = true;
    sweepPendingAudit(opts)
      .catch((err: unknown) => {
        if (!opts.signal.aborted) opts.onError?.(err);
      })
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(run, opts.intervalMs);
  timer.unref();
  // The first sweep comes a moment after the start (an interval at most), not during it:
  // what it settles has been pending for minutes already.
  const first = setTimeout(run, Math.min(opts.intervalMs, firstSweepDelayMs));
  first.unref();
  opts.signal.addEventListener(
    "abort",
    () => {
      clearTimeout(first);
      clearInterval(timer);
    },
    { once: true },
  );
}

/** How long after its start a process sweeps first (or after one interval, if shorter). */
const firstSweepDelayMs = 2_000;
