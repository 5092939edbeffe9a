import { duration, type ConfigOf } from "@guardian/kit";

/** The settings of the credential cleanup and audit retention jobs. */
export const housekeepingSettings = {
  credentialCleanupInterval: duration("GUARDIAN_CREDENTIAL_CLEANUP_INTERVAL", {
    default: "1h",
    min: 1_000,
    max: 7 * 86_400_000,
    description:
      "How often the credential cleanup job deletes ended sessions (refresh tokens) and API keys.",
  }),
  refreshTokenGrace: duration("GUARDIAN_REFRESH_TOKEN_GRACE", {
    default: "30d",
    min: 0,
    max: 3_650 * 86_400_000,
    description:
      "How long a built-in issuer session (and its refresh tokens) is kept after it expired or was revoked, before the credential cleanup job deletes it; until then a spent or revoked token is still recognised as such.",
  }),
  apiKeyRetention: duration("GUARDIAN_API_KEY_RETENTION", {
    default: "30d",
    min: 0,
    max: 3_650 * 86_400_000,
    description:
      "How long an API key is kept after it expired or was revoked, before the credential cleanup job deletes it; until then it is still listed and refused as expired or revoked, not as unknown.",
  }),
  auditRetentionInterval: duration("GUARDIAN_AUDIT_RETENTION_INTERVAL", {
    default: "1h",
    min: 1_000,
    max: 7 * 86_400_000,
    description: "How often the audit retention job deletes audit events past their retention.",
  }),
  auditRetention: duration("GUARDIAN_AUDIT_RETENTION", {
    default: "365d",
    min: 0,
    max: 36_500 * 86_400_000,
    description:
      "How long audit events are kept; 0 keeps them forever. Events still pending are never deleted.",
  }),
};

/** The typed housekeeping settings of the auth service. */
export type HousekeepingSettings = ConfigOf<typeof housekeepingSettings>;
