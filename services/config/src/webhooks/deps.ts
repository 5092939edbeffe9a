import type pg from "pg";
import type { WebhookSettings } from "./settings.js";

/** Dependencies of WebhookService. */
export interface WebhookServiceDeps {
  /** The PostgreSQL pool: webhooks and their delivery log. */
  pool: pg.Pool;
  /** The webhook settings ({@link WebhookSettings}); absent ones take their defaults. */
  settings?: Partial<WebhookSettings>;
  /**
   * The key webhook secrets are sealed with at rest (the deployment's
   * GUARDIAN_SIGNING_KEY_SECRET). Without it secrets are stored in plain form.
   */
  secretKey?: string;
}
