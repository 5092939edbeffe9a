import { durationMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { ApplyOutcome, type ConfigService } from "@guardian/api";
import { createRetryBackoff } from "./backoff.js";
import type { ClientLogger } from "./subscription/types.js";

/** Options of {@link createStatusReporter}. */
export interface StatusReporterOptions {
  project: string;
  /**
   * This instance, stable for the life of the process (a pod name, a host name with a port, a
   * UUID): 1-128 characters of A-Z, a-z, 0-9, '.', '_', '-' and ':'.
   */
  instanceId: string;
  /** Labels describing the instance, for example `{ host: "web-3" }`. */
  labels?: Record<string, string>;
  /** How long a status waits for others to go in the same report. Default 200 ms. */
  delayMs?: number;
  /** Default: console. */
  logger?: ClientLogger;
}

/**
 * Tells Guardian which version of each config this instance applied or rejected
 * (`ConfigService/ReportConfigStatus`), and keeps the instance listed: every status is
 * reported again well within the server's instance TTL. Statuses are batched (at most 100
 * per call); a failed report is retried with backoff. A status for a config that no longer
 * exists is dropped.
 */
export interface StatusReporter {
  /** This instance now runs `version` of `key`. */
  applied(key: string, version: bigint): void;
  /** This instance refused `version` of `key` (and keeps running what it had). */
  rejected(key: string, version: bigint, reason: string): void;
  /** Sends what is pending now; rejects with the server's error if the report failed. */
  flush(): Promise<void>;
  /** Sends what is pending and stops reporting. */
  close(): Promise<void>;
}

interface Status {
  version: bigint;
  outcome: ApplyOutcome;
  reason: string;
}

/** The key of the config a NotFound answer names (`config "KEY" not found ...`), if any. */
function configMissing(err: ConnectError): string | undefined {
  if (err.code !== Code.NotFound) return undefined;
  return /^config "([^"]+)" not found/.exec(err.rawMessage)?.[1];
}

/** The most statuses one ReportConfigStatus call takes. */
const perReport = 100;

/** Creates a {@link StatusReporter} over a config service client. */
export function createStatusReporter(
  config: Client<typeof ConfigService>,
  opts: StatusReporterOptions,
): StatusReporter {
  const logger = opts.logger ?? console;
  const delayMs = opts.delayMs ?? 200;
  const statuses = new Map<string, Status>();
  const pending = new Set<string>();
  const backoff = createRetryBackoff({ initialMs: 1_000, maxMs: 30_000 });
  // Until the server says its TTL, re-report every minute (the default TTL is 10 minutes).
  let refreshMs = 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sending: Promise<void> | undefined;
  let closed = false;

  const schedule = (ms: number) => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run().catch(() => undefined), ms);
    timer.unref?.();
  };

  const report = async (keys: string[]) => {
    const res = await config.reportConfigStatus({
      project: opts.project,
      instanceId: opts.instanceId,
      labels: opts.labels ?? {},
      statuses: keys.map((key) => ({ key, ...statuses.get(key)! })),
    });
    if (res.instanceTtl) refreshMs = Math.max(1_000, Math.floor(durationMs(res.instanceTtl) / 3));
  };

  /**
   * Reports `keys` in batches. A batch refused because one of its configs does not exist is
   * retried key by key, and the status of the missing config is dropped.
   */
  const send = async (keys: string[]) => {
    for (let i = 0; i < keys.length; i += perReport) {
      const batch = keys.slice(i, i + perReport).filter((k) => statuses.has(k));
      if (batch.length === 0) continue;
      try {
        await report(batch);
      } catch (err) {
        const missing = configMissing(ConnectError.from(err));
        if (!missing) throw err;
        if (batch.length === 1) {
          if (missing !== batch[0]) throw err;
          statuses.delete(missing);
          continue;
        }
        for (const key of batch) await send([key]);
      }
    }
  };

  const run = (): Promise<void> => {
    sending ??= (async () => {
      try {
        // Everything is reported again on each refresh, so pending keys need no extra care.
        const keys = [...statuses.keys()];
        pending.clear();
        await send(keys);
        backoff.reset();
        schedule(pending.size > 0 ? delayMs : refreshMs);
      } catch (err) {
        const e = ConnectError.from(err);
        logger.warn(`config status report failed (${Code[e.code]}): ${e.rawMessage}`);
        for (const key of statuses.keys()) pending.add(key);
        schedule(backoff.next());
        throw e;
      } finally {
        sending = undefined;
      }
    })();
    return sending;
  };

  const set = (key: string, status: Status) => {
    statuses.set(key, status);
    pending.add(key);
    if (!sending) schedule(delayMs);
  };

  return {
    applied: (key, version) => set(key, { version, outcome: ApplyOutcome.APPLIED, reason: "" }),
    rejected: (key, version, reason) =>
      set(key, { version, outcome: ApplyOutcome.REJECTED, reason }),
    async flush() {
      if (sending) await sending.catch(() => undefined);
      if (statuses.size > 0) await run();
    },
    async close() {
      clearTimeout(timer);
      if (pending.size > 0) await this.flush().catch(() => undefined);
      closed = true;
      clearTimeout(timer);
    },
  };
}
