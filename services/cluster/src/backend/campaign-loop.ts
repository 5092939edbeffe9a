import type { CampaignEvent, CampaignLossReason } from "./types.js";

/** What a candidacy looks like when read from the store. */
export type CandidacyState =
  | { state: "leader"; revision: bigint }
  | { state: "waiting" }
  | { state: "lost"; reason: CampaignLossReason; message: string };

/** The engine-specific half of a campaign: one entered candidate and its lease. */
export interface CandidateSession {
  readonly leaderKey: string;
  readonly leaseId: bigint;
  readonly ttlMs: number;
  /** The lease expiry when the candidate was entered. */
  readonly expireTime: Date;
  /** Renews the lease: the new expiry, or "gone" when the lease no longer exists. */
  renew(): Promise<Date | "gone">;
  /** Reads whether the candidate leads, waits, or is over (and why). */
  check(): Promise<CandidacyState>;
  /** Withdraws the candidate and revokes its lease. */
  withdraw(): Promise<void>;
  /** Waits, up to `ms`, for a change that may affect the candidacy. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  /** Releases what the session holds locally (watches, subscriptions). */
  close(): void;
}

/** How soon a failed renewal is retried. */
const retryMs = 250;

/**
 * Runs one candidate until it loses: reports started, elected, renewed (about every ttl/3)
 * and finally lost. When `signal` aborts (the client cancelled, the server drains) it
 * withdraws the candidate at once and ends without a lost event; when `shutdown` aborts it
 * withdraws and reports server_shutdown.
 *
 * A renewal or read that fails is retried until the lease's last known expiry (minus a
 * margin for clock skew); then the candidate is reported lost, before the cluster can expire
 * the lease and elect someone else.
 */
export async function* runCampaign(
  session: CandidateSession,
  signal: AbortSignal,
  shutdown: AbortSignal,
): AsyncGenerator<CampaignEvent> {
  const { ttlMs, leaderKey, leaseId } = session;
  const renewEveryMs = Math.max(ttlMs / 3, 100);
  const marginMs = Math.min(1_000, ttlMs / 10);
  let expire = session.expireTime;
  let nextRenew = Date.now() + renewEveryMs;
  let elected = false;
  let withdrawn = false;
  const withdraw = async () => {
    if (withdrawn) return;
    withdrawn = true;
    await session.withdraw().catch(() => {
      // Unreachable cluster: the lease expires on its own.
    });
  };
  const expired = () => Date.now() >= expire.getTime() - marginMs;
  const contactLost = (): CampaignEvent => ({
    kind: "lost",
    reason: "lease_expired",
    message: `lost contact with the cluster; the lease expired at ${expire.toISOString()}`,
  });
  const stop = AbortSignal.any([signal, shutdown]);
  try {
    yield { kind: "started", leaderKey, leaseId, expireTime: expire };
    for (;;) {
      if (shutdown.aborted) {
        await withdraw();
        yield { kind: "lost", reason: "server_shutdown", message: "the server is shutting down" };
        return;
      }
      if (signal.aborted) return;
      if (Date.now() >= nextRenew) {
        let renewed: Date | "gone" | undefined;
        try {
          renewed = await session.renew();
        } catch {
          renewed = undefined;
        }
        if (renewed === "gone") {
          const state = await session.check().catch(() => undefined);
          yield state?.state === "lost"
            ? { kind: "lost", reason: state.reason, message: state.message }
            : { kind: "lost", reason: "lease_expired", message: "the candidate's lease expired" };
          return;
        }
        if (renewed) {
          expire = renewed;
          nextRenew = Date.now() + renewEveryMs;
          yield { kind: "renewed", expireTime: expire };
        } else if (expired()) {
          yield contactLost();
          return;
        } else {
          nextRenew = Date.now() + retryMs;
        }
      }
      let state: CandidacyState | undefined;
      try {
        state = await session.check();
      } catch {
        if (expired()) {
          yield contactLost();
          return;
        }
      }
      if (state?.state === "lost") {
        yield { kind: "lost", reason: state.reason, message: state.message };
        return;
      }
      if (state?.state === "leader" && !elected) {
        elected = true;
        yield { kind: "elected", leaderKey, leaseId, revision: state.revision, expireTime: expire };
      }
      await session.wait(Math.max(0, nextRenew - Date.now()), stop);
    }
  } finally {
    session.close();
    await withdraw();
  }
}
