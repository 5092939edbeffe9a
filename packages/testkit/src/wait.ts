import { setTimeout as sleep } from "node:timers/promises";

/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** What is awaited, for the timeout message (for example "postgres to accept connections"). */
  readonly what: string;
  readonly timeoutMs: number;
  /** Pause between attempts. Defaults to 100 ms. */
  readonly intervalMs?: number;
  /** Extra text for the timeout message, such as a log tail. */
  readonly details?: () => string;
}

/**
 * Calls `attempt` until it returns a value other than undefined, and returns that value.
 *
 * An attempt that throws counts as "not yet". When the deadline passes, it throws an Error
 * naming what was awaited, the last failure and the optional details. `attempt` may throw
 * an {@link GiveUpError} to stop waiting at once (for example when the server exited).
 */
export async function waitFor<T>(
  attempt: () => Promise<T | undefined>,
  opts: WaitForOptions,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUpError) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const last = lastError instanceof Error ? ` Last error: ${lastError.message}.` : "";
      const details = opts.details === undefined ? "" : `\n${opts.details()}`;
      throw new Error(
        `Timed out after ${opts.timeoutMs} ms waiting for ${opts.what}.${last}${details}`,
        {
          cause: lastError,
        },
      );
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

/** Thrown from a {@link waitFor} attempt to stop waiting immediately. */
export class GiveUpError extends Error {
  override readonly name = "GiveUpError";
}
