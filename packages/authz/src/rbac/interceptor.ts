import type { Interceptor } from "@connectrpc/connect";
import { principalKey } from "@guardian/kit";
import type { Queryable } from "@guardian/db";
import type { FailureAudit } from "../audit/failure-audit.js";
import { createAuthenticator, type AuthenticatorDeps } from "../credentials/authenticate.js";
import type { AccessEpoch } from "./access-epoch.js";
import { createCallAuthorizer } from "./authorize-call.js";
import { peekRequest } from "./request-fields.js";
import { createOpenStreams } from "./open-streams.js";

/** Dependencies of {@link createAuthInterceptor}. */
export interface AuthInterceptorDeps extends AuthenticatorDeps {
  /** Where denials are audited. */
  db: Queryable;
  /** Aggregates the audit of rejected credentials (one row per kind and window). */
  failureAudit?: FailureAudit;
  /** The access epoch that keeps open streams authorized (see {@link createOpenStreams}). */
  epoch: AccessEpoch;
}

/**
 * Creates the RBAC interceptor every Guardian service runs. For each call it:
 * 1. reads the RPC's `guardian.v1.access` option; a method without it is denied (fail
 *    closed), except the gRPC health service; public RPCs pass without looking at
 *    credentials;
 * 2. authenticates `Authorization: Bearer <jwt>` (Keycloak or built-in) or `x-api-key`
 *    (Unauthenticated when missing or invalid); a disabled user is PermissionDenied;
 * 3. reads the project (`project_field`, InvalidArgument when empty) and config keys
 *    (`key_fields`) from the request;
 * 4. decides from global roles, the caller's project role binding or the API key's scope,
 *    project and key prefix (PermissionDenied otherwise);
 * 5. sets `principalKey` for the handler;
 * 6. keeps streaming responses authorized while they are open ({@link createOpenStreams}).
 * Denials and rejected credentials are written to the audit log.
 */
export function createAuthInterceptor(deps: AuthInterceptorDeps): Interceptor {
  const authenticate = createAuthenticator(deps);
  const { authorize, audit } = createCallAuthorizer({ ...deps, authenticate });
  const streams = createOpenStreams({
    epoch: deps.epoch,
    authenticateFresh: (header) => authenticate(header, { fresh: true }),
  });

  return (next) => async (req) => {
    let peeked = req;
    const authorized = await authorize({
      service: req.service,
      method: req.method,
      header: req.header,
      values: req.contextValues,
      async message() {
        if (!req.stream) return req.message;
        // A stream's first message is read here and put back in front of the rest.
        const p = await peekRequest(req);
        peeked = p.req;
        return p.first;
      },
    });
    if (authorized === undefined) return next(peeked);
    const { principal, target, access, rpc } = authorized;
    req = peeked;
    req.contextValues.set(principalKey, principal);
    const res = await next(req);
    const call = { method: req.method, values: req.contextValues };
    return res.stream
      ? streams.guard(res, {
          header: req.header,
          access,
          target,
          rpc,
          principal,
          audit: (err) => audit(call, principal, target.project, err),
        })
      : res;
  };
}
