import type { Authz, AuthSettings } from "@guardian/authz";
import type { Logger } from "@guardian/kit";
import type pg from "pg";
import type { TokenIssuer } from "./issuer/token-issuer.js";
import type { LoginThrottle } from "./login-throttle.js";

/** Dependencies of the auth service handlers. */
export interface AuthServiceDeps {
  pool: pg.Pool;
  settings: AuthSettings;
  /** The verification side: its account cache is invalidated after user and role changes. */
  authz: Pick<Authz, "accounts">;
  /** The built-in issuer's signer. */
  issuer: TokenIssuer;
  /** Failed-login counting for Login. */
  throttle: LoginThrottle;
  logger?: Pick<Logger, "warn">;
}
