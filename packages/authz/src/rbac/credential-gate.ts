import { Code, ConnectError } from "@connectrpc/connect";
import { isPgConnectionLoss, type AdmitCall, type Admission } from "@guardian/kit";
import type { FailureAudit } from "../audit/failure-audit.js";
import { procedureOf } from "../audit/record.js";
import { authenticatedKey, type Authenticate } from "../credentials/authenticate.js";
import { malformedCredentials } from "../credentials/credential-headers.js";
import type { AuthFailures } from "./auth-failures.js";
import { accessOf } from "./authorize-call.js";

/** Dependencies of {@link createCredentialGate}. */
export interface CredentialGateDeps {
  /** The per-address limit on failed authentication. */
  failures: AuthFailures;
  /** Where rejected credentials are audited, aggregated. */
  audit: FailureAudit;
  /** Authenticates a call from its headers (the same function the RBAC interceptor uses). */
  authenticate: Authenticate;
}

/**
 * Creates the admission check for kit's server (`admit`), run from the headers alone before
 * a call's body is read:
 * - an address over its limit of failed authentication gets ResourceExhausted (every RPC
 *   but the gRPC health service);
 * - an RPC whose access option requires credentials gets Unauthenticated when they are
 *   missing, of both kinds, malformed (not `Bearer <JWS>`, not `gdn_<id>_<secret>`), or do
 *   not authenticate (a token that fails verification, an unknown, revoked or expired API
 *   key); each counts as a failed authentication of the address and is audited like every
 *   rejected credential. So a request body is never read for a caller who is nobody.
 * A successful authentication is handed to the RBAC interceptor (`authenticatedKey`), which
 * then decides with the request's fields. Public RPCs and methods without an access option
 * are left to the interceptor.
 */
export function createCredentialGate(deps: CredentialGateDeps): Admission {
  const reject = (call: AdmitCall, err: ConnectError): ConnectError => {
    deps.failures.fail(call.remoteAddress);
    if (call.header.has("authorization") || call.header.has("x-api-key")) {
      void deps.audit.record({
        actor: "",
        actorKind: "",
        action: procedureOf(call.method),
        target: "",
        requestId: call.requestId,
        remoteAddress: call.remoteAddress,
        errorCode: "unauthenticated",
        detail: { reason: err.rawMessage },
      });
    }
    return err;
  };

  const authenticate = async (call: AdmitCall): Promise<ConnectError | undefined> => {
    try {
      call.values.set(authenticatedKey, await deps.authenticate(call.header));
      return undefined;
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.Unauthenticated) {
        return reject(call, err);
      }
      if (isPgConnectionLoss(err)) {
        return new ConnectError(
          "cannot check credentials now: the database is unavailable",
          Code.Unavailable,
          undefined,
          undefined,
          err,
        );
      }
      // Anything else is left to the interceptor, which authenticates again and answers.
      return undefined;
    }
  };

  return (call) => {
    if (call.method.parent.typeName === "grpc.health.v1.Health") return undefined;
    const refused = deps.failures.refusal(call.remoteAddress);
    if (refused) return refused;
    const access = accessOf(call.method);
    if (!access || access.public) return undefined;
    const err = malformedCredentials(call.header);
    if (err) return reject(call, err);
    // A cached credential is answered at once: the call is served without waiting a turn.
    const hit = deps.authenticate.cached?.(call.header);
    if (hit !== undefined) {
      call.values.set(authenticatedKey, hit);
      return undefined;
    }
    return authenticate(call);
  };
}
