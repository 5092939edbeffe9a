import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { getAccess, type Access } from "@guardian/api";
import type { Queryable } from "@guardian/db";
import {
  invalidArgument,
  isPgConnectionLoss,
  principalKey,
  remoteAddressKey,
  requestIdKey,
  type Principal,
} from "@guardian/kit";
import type { FailureAudit } from "../audit/failure-audit.js";
import { actorOf, auditOutcome, procedureOf } from "../audit/record.js";
import { recordAudit } from "../sql/audit-log.js";
import {
  authenticatedKey,
  createAuthenticator,
  type AuthenticatorDeps,
} from "../credentials/authenticate.js";
import type { AccessEpoch } from "./access-epoch.js";
import { decide, type CallTarget } from "./decide.js";
import { peekRequest, readStringField } from "./request-fields.js";
import { createOpenStreams } from "./open-streams.js";

type AnyRequest = Parameters<Parameters<Interceptor>[0]>[0];

/** Dependencies of {@link createAuthInterceptor}. */
export interface AuthInterceptorDeps extends AuthenticatorDeps {
  /** Where denials are audited. */
  db: Queryable;
  /** Aggregates the audit of rejected credentials (one row per kind and window). */
  failureAudit?: FailureAudit;
  /** The access epoch that keeps open streams authorized (see {@link createOpenStreams}). */
  epoch: AccessEpoch;
}

/** Services that need no credentials although they declare no access option. */
const publicServices = new Set(["grpc.health.v1.Health"]);

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

  const streams = createOpenStreams({
    epoch: deps.epoch,
    authenticateFresh: (header) => authenticate(header, { fresh: true }),
  });

  const audit = async (
    req: AnyRequest,
    principal: Principal | undefined,
    project: string | undefined,
    err: ConnectError,
  ): Promise<void> => {
    const event = {
      ...actorOf(principal ?? { kind: "anonymous", id: "", name: "" }),
      action: procedureOf(req.method),
      target: project ? `projects/${project}` : "",
      ...(project ? { project } : {}),
      requestId: req.contextValues.get(requestIdKey),
      remoteAddress: req.contextValues.get(remoteAddressKey),
      ...auditOutcome(err),
      detail: { reason: err.rawMessage },
    };
    // Rejected credentials come in floods; their audit is one row per kind and window.
    if (err.code === Code.Unauthenticated && deps.failureAudit) {
      return deps.failureAudit.record(event);
    }
    try {
      await recordAudit(deps.db, event);
    } catch (auditErr) {
      deps.logger?.warn({ err: auditErr }, "writing an audit event for a denied call failed");
    }
  };

  return (next) => async (req) => {
    if (publicServices.has(req.service.typeName)) return next(req);
    const access = getAccess(req.method);
    const rpc = procedureOf(req.method);
    if (!access) {
      const err = new ConnectError(`${rpc} declares no access rule`, Code.PermissionDenied);
      await audit(req, undefined, undefined, err);
      throw err;
    }
    // Credentials sent to a public RPC are ignored, never rejected.
    if (access.public) return next(req);

    // Facts for the audit event of a denial, filled in as they become known.
    const seen: { principal?: Principal; project?: string } = {};
    let principal: Principal;
    let target: CallTarget;
    try {
      // The server's admission check may have authenticated the call before reading its body.
      const authenticated =
        req.contextValues.get(authenticatedKey) ?? (await authenticate(req.header));
      principal = seen.principal = authenticated.principal;
      if (authenticated.disabled) throw new ConnectError("user is disabled", Code.PermissionDenied);
      const peeked = needsMessage(access) ? await peekRequest(req) : { first: undefined, req };
      req = peeked.req;
      target = readTarget(access, req, peeked.first);
      seen.project = target.project;
      let decision = decide(access, principal, target, rpc);
      if (!decision.allowed && principal.kind !== "api_key") {
        // The cached role bindings may predate a grant (made in another process, or by
        // CreateProject): look again before refusing, so that grants apply at once.
        const again = await authenticate(req.header, { fresh: true });
        if (again.disabled) throw new ConnectError("user is disabled", Code.PermissionDenied);
        principal = seen.principal = again.principal;
        decision = decide(access, principal, target, rpc);
      }
      if (!decision.allowed) throw new ConnectError(decision.message, Code.PermissionDenied);
    } catch (err) {
      // Denials are audited, and so are rejected credentials; a call without any is not.
      if (err instanceof ConnectError && isDenial(err) && hasCredentials(req.header)) {
        await audit(req, seen.principal, seen.project, err);
      }
      if (isPgConnectionLoss(err)) {
        throw new ConnectError(
          "cannot check credentials now: the database is unavailable",
          Code.Unavailable,
          undefined,
          undefined,
          err,
        );
      }
      throw err;
    }
    req.contextValues.set(principalKey, principal);
    const res = await next(req);
    return res.stream
      ? streams.guard(res, {
          header: req.header,
          access,
          target,
          rpc,
          principal,
          audit: (err) => audit(req, principal, target.project, err),
        })
      : res;
  };
}

function hasCredentials(header: Headers): boolean {
  return header.has("authorization") || header.has("x-api-key");
}

function isDenial(err: ConnectError): boolean {
  return err.code === Code.PermissionDenied || err.code === Code.Unauthenticated;
}

function needsMessage(access: Access): boolean {
  return access.projectField !== "" || access.keyFields.length > 0;
}

function readTarget(
  access: Access,
  req: AnyRequest,
  message: Parameters<typeof readStringField>[1] | undefined,
): CallTarget {
  if (!message) return { keys: [] };
  const schema = req.method.input;
  let project: string | undefined;
  if (access.projectField !== "") {
    project = readStringField(schema, message, access.projectField) ?? "";
    if (project === "") {
      throw invalidArgument([{ field: access.projectField, description: "must not be empty" }]);
    }
  }
  const keys = access.keyFields.flatMap((name) => {
    const value = readStringField(schema, message, name);
    return value === undefined || value === "" ? [] : [value];
  });
  return { ...(project === undefined ? {} : { project }), keys };
}
