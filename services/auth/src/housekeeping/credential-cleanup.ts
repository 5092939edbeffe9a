import { deleteEndedApiKeys, recordAudit } from "@guardian/authz";
import { withTransaction } from "@guardian/db";
import { configWithDefaults, type ScheduledJob } from "@guardian/kit";
import type pg from "pg";
import { deleteExpiredLoginGuesses } from "../sql/login-attempts.js";
import { deleteEndedSessions } from "../sql/sessions.js";
import { housekeepingSettings, type HousekeepingSettings } from "./settings.js";

/** What {@link createCredentialCleanupJob} needs. */
export interface CredentialCleanupDeps {
  pool: pg.Pool;
  settings?: Partial<
    Pick<
      HousekeepingSettings,
      "credentialCleanupInterval" | "refreshTokenGrace" | "apiKeyRetention"
    >
  >;
  /** Rows deleted per statement. Default 1000. */
  batchSize?: number;
}

/**
 * Creates the credential cleanup job. It deletes built-in issuer sessions, with their refresh
 * tokens, that expired or were revoked more than `refreshTokenGrace` ago, and API keys that
 * expired or were revoked more than `apiKeyRetention` ago, each deletion audited as
 * `auth.api_key_deleted`, and counts of wrong-password guesses whose lockout window has
 * passed. Works in batches (each one transaction) and stops between batches when the signal
 * aborts. Resolves to `{ sessions, refreshTokens, apiKeys, loginAttempts }`.
 */
export function createCredentialCleanupJob(deps: CredentialCleanupDeps): ScheduledJob {
  const batchSize = deps.batchSize ?? 1_000;
  const settings = configWithDefaults(housekeepingSettings, deps.settings);
  const graceMs = settings.refreshTokenGrace;
  const keyRetentionMs = settings.apiKeyRetention;
  return {
    name: "credential-cleanup",
    intervalMs: settings.credentialCleanupInterval,
    async run({ signal }) {
      const summary = { sessions: 0, refreshTokens: 0, apiKeys: 0, loginAttempts: 0 };
      for (;;) {
        if (signal.aborted) return { ...summary, aborted: true };
        const batch = await deleteEndedSessions(deps.pool, graceMs, batchSize);
        summary.sessions += batch.sessions;
        summary.refreshTokens += batch.refreshTokens;
        if (batch.sessions < batchSize) break;
      }
      for (;;) {
        if (signal.aborted) return { ...summary, aborted: true };
        const deleted = await withTransaction(deps.pool, async (db) => {
          const keys = await deleteEndedApiKeys(db, keyRetentionMs, batchSize);
          for (const key of keys) {
            await recordAudit(db, {
              actor: "",
              actorKind: "",
              action: "auth.api_key_deleted",
              target: `projects/${key.project}/apikeys/${key.id}`,
              project: key.project,
              result: "ok",
              detail: { name: key.name, by: "credential_cleanup" },
            });
          }
          return keys.length;
        });
        summary.apiKeys += deleted;
        if (deleted < batchSize) break;
      }
      for (;;) {
        if (signal.aborted) return { ...summary, aborted: true };
        const deleted = await deleteExpiredLoginGuesses(deps.pool, batchSize);
        summary.loginAttempts += deleted;
        if (deleted < batchSize) break;
      }
      return summary;
    },
  };
}
