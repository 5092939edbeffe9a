import type { Queryable } from "@guardian/db";

/** The outcome of counting one sign-in guess. */
export interface CountedGuess {
  /** False when the key had no guesses left: this one was not counted. */
  counted: boolean;
  /** Guesses within the window, this one included when counted. */
  count: number;
  /** When the oldest guess that holds the limit leaves the window. */
  retryAt: Date;
}

/**
 * Counts one guess for `key` in one statement, shared by every process: the guesses of the
 * last `windowMs` are kept (at most `max`), and a new one is added only while fewer than
 * `max` are there. Concurrent guesses for one key queue on its row, so at most `max` of them
 * are ever counted within the window, whichever processes they reach.
 */
export async function countLoginGuess(
  db: Queryable,
  key: string,
  max: number,
  windowMs: number,
): Promise<CountedGuess> {
  const r = await db.query<{ attempts: Date[]; counted: boolean }>({
    name: "auth_count_login_guess",
    text: `INSERT INTO login_attempts AS a (key, attempts, expires_at)
           VALUES ($1, ARRAY[statement_timestamp()],
                   statement_timestamp() + $3 * interval '1 millisecond')
           ON CONFLICT (key) DO UPDATE SET
             attempts = (
               SELECT CASE WHEN count(*) < $2
                           THEN coalesce(array_agg(t ORDER BY t), '{}') || statement_timestamp()
                           ELSE array_agg(t ORDER BY t) END
                 FROM unnest(a.attempts) AS t
                WHERE t > statement_timestamp() - $3 * interval '1 millisecond'),
             expires_at = statement_timestamp() + $3 * interval '1 millisecond'
           RETURNING attempts,
                     attempts[cardinality(attempts)] = statement_timestamp() AS counted`,
    values: [key, max, windowMs],
  });
  const { attempts, counted } = r.rows[0]!;
  const oldest = attempts[Math.max(0, attempts.length - max)] ?? new Date();
  return { counted, count: attempts.length, retryAt: new Date(oldest.getTime() + windowMs) };
}

/** Forgets the guesses of `key` (after the right password). */
export async function clearLoginGuesses(db: Queryable, key: string): Promise<void> {
  await db.query({
    name: "auth_clear_login_guesses",
    text: `DELETE FROM login_attempts WHERE key = $1`,
    values: [key],
  });
}

/** Deletes up to `limit` rows whose guesses all left their window; returns how many went. */
export async function deleteExpiredLoginGuesses(db: Queryable, limit: number): Promise<number> {
  const r = await db.query(
    `DELETE FROM login_attempts WHERE key IN (
       SELECT key FROM login_attempts WHERE expires_at < now() ORDER BY expires_at LIMIT $1)`,
    [limit],
  );
  return r.rowCount ?? 0;
}
