import { getAccess } from "@guardian/api";
import type { Admission } from "@guardian/kit";
import type { FailureAudit } from "../audit/failure-audit.js";
import { procedureOf } from "../audit/record.js";
import { malformedCredentials } from "../credentials/credential-headers.js";
import type { AuthFailures } from "./auth-failures.js";

/** Dependencies of {@link createCredentialGate}. */
export interface CredentialGateDeps {
  /** The per-address limit on failed authentication. */
  failures: AuthFailures;
  /** Where rejected credentials are audited, aggregated. */
  audit: FailureAudit;
}

/**
 * Creates the admission check for kit's server (`admit`), run from the headers alone before
 * a call's body is read:
 * - an address over its limit of failed authentication gets ResourceExhausted (every RPC
 *   but the gRPC health service);
 * - an RPC whose access option requires credentials gets Unauthenticated when they are
 *   missing, of both kinds, or malformed (not `Bearer <JWS>`, not `gdn_<id>_<secret>`);
 *   this counts as a failed authentication of the address, and malformed credentials are
 *   audited like every rejected credential.
 * Public RPCs and methods without an access option are left to the RBAC interceptor.
 */
export function createCredentialGate(deps: CredentialGateDeps): Admission {
  return (call) => {
    if (call.method.parent.typeName === "grpc.health.v1.Health") return undefined;
    const refused = deps.failures.refusal(call.remoteAddress);
    if (refused) return refused;
    const access = getAccess(call.method);
    if (!access || access.public) return undefined;
    const err = malformedCredentials(call.header);
    if (!err) return undefined;
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
}
