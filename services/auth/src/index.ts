/**
 * The auth service.
 */
export { createAuthRoutes, type AuthRoutesDeps } from "./routes.js";
export { ensureBootstrapAdmin, localIssuer, type BootstrapResult } from "./bootstrap-admin.js";
export { generatePassword, hashPassword, verifyPassword } from "./password.js";
