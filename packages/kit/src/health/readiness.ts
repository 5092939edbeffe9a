/** A named readiness check; it passes when its promise resolves. */
export interface ReadinessCheck {
  readonly name: string;
  readonly fn: () => Promise<void>;
}

/** The outcome of one readiness check. */
export interface ReadinessResult {
  readonly name: string;
  readonly ok: boolean;
  /** Why the check failed (the error message, or that it timed out). */
  readonly error?: string;
}

/** The outcome of all readiness checks; `ok` only when every check passed. */
export interface ReadinessReport {
  readonly ok: boolean;
  readonly checks: readonly ReadinessResult[];
}

/** Runs checks concurrently, failing any that rejects or outlasts `timeoutMs`. */
export async function runChecks(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((c) => runOne(c, timeoutMs)));
  return { ok: results.every((r) => r.ok), checks: results };
}

/** Runs one check, failing it when it rejects or outlasts `timeoutMs`. */
export async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<ReadinessResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([check.fn(), timeout]);
    return { name: check.name, ok: true };
  } catch (err) {
    return {
      name: check.name,
      ok: false,
      error: err instanceof Error ? err.message : String(err),
    };
  } finally {
    clearTimeout(timer);
  }
}
