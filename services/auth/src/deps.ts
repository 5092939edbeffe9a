import type { Authz, AuthSettings } from "@guardian/authz";
import type { Logger } from "@guardian/kit";
import type pg from "pg";
import type { TokenIssuer } from "./issuer/token-issuer.js";
import type { LoginThrottle } from "./login-throttle.js";

/** Dependencies of the auth service handlers. */
export interface AuthServiceDeps {
  pool: pg.Pool;
  settings: AuthSettings;
  /**
   * The verification side: its account cache is invalidated after user and role changes,
   * its cached credentials after API key changes, and wrong passwords are audited through
   * its aggregated failure audit.
   */
  authz: Pick<Authz, "accounts" | "accessChanges" | "failureAudit">;
  /** The built-in issuer's signer. */
  issuer: TokenIssuer;
  /** Password guess counting for Login and ChangePassword. */
  throttle: LoginThrottle;
  logger?: Pick<Logger, "warn">;
}
