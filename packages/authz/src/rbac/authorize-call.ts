import type { DescMethod, Message } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues } from "@connectrpc/connect";
import { getAccess, type Access } from "@guardian/api";
import type { Queryable } from "@guardian/db";
import { isPgConnectionLoss, remoteAddressKey, requestIdKey, type Principal } from "@guardian/kit";
import type { FailureAudit } from "../audit/failure-audit.js";
import { actorOf, auditOutcome, procedureOf } from "../audit/record.js";
import { authenticatedKey, type Authenticate } from "../credentials/authenticate.js";
import { recordAudit } from "../sql/audit-log.js";
import { decide, type CallTarget } from "./decide.js";
import { readTarget } from "./call-target.js";

/** What the authorization of one call looks at. */
export interface CallFacts {
  /** The service the call was routed to. */
  readonly service: { readonly typeName: string };
  readonly method: DescMethod;
  readonly header: Headers;
  /** The call's context values: request id, client address, an admission's authentication. */
  readonly values: ContextValues;
  /** The request message (the first one of a stream), read only once credentials passed. */
  message(): Message | undefined | Promise<Message | undefined>;
}

/** A call authorization let through. */
export interface AuthorizedCall {
  readonly access: Access;
  readonly principal: Principal;
  readonly target: CallTarget;
  /** The RPC's `/service/Method` name. */
  readonly rpc: string;
}

/**
 * Decides whether a call may run: `undefined` for calls that need no credentials (public
 * RPCs, the gRPC health service), the authorized caller otherwise; throws the call's
 * ConnectError (audited) when it may not.
 */
export type AuthorizeCall = (call: CallFacts) => Promise<AuthorizedCall | undefined>;

/** Writes the audit event of a call refused for `err`. */
export type AuditDenial = (
  call: Pick<CallFacts, "method" | "values">,
  principal: Principal | undefined,
  project: string | undefined,
  err: ConnectError,
) => Promise<void>;

/** Dependencies of {@link createCallAuthorizer}. */
export interface CallAuthorizerDeps {
  authenticate: Authenticate;
  /** Where denials are audited. */
  db: Queryable;
  /** Aggregates the audit of rejected credentials (one row per kind and window). */
  failureAudit?: FailureAudit;
  logger?: { warn(obj: object, msg: string): void };
}

/** Services that need no credentials although they declare no access option. */
const publicServices = new Set(["grpc.health.v1.Health"]);

const accessByMethod = new WeakMap<DescMethod, Access | null>();

/** The access option of a method, decoded once per method. */
export function accessOf(method: DescMethod): Access | undefined {
  let access = accessByMethod.get(method);
  if (access === undefined) {
    access = getAccess(method) ?? null;
    accessByMethod.set(method, access);
  }
  return access ?? undefined;
}

/**
 * Creates the one authorization of Guardian calls, shared by the RBAC interceptor and every
 * path that serves RPCs:
 * 1. a method without a `guardian.v1.access` option is denied (fail closed), except the
 *    gRPC health service; public RPCs pass without looking at credentials;
 * 2. the caller is authenticated (or taken from the admission check); a disabled user is
 *    PermissionDenied;
 * 3. the project and config keys are read from the request message;
 * 4. roles, bindings or the API key's scope decide; a refused user is looked up again,
 *    fresh, so that a grant made elsewhere applies at once;
 * 5. denials and rejected credentials are audited; a lost database is Unavailable.
 */
export function createCallAuthorizer(deps: CallAuthorizerDeps): {
  authorize: AuthorizeCall;
  audit: AuditDenial;
} {
  const { authenticate } = deps;
  const audit: AuditDenial = async (call, principal, project, err) => {
    const event = {
      ...actorOf(principal ?? { kind: "anonymous", id: "", name: "" }),
      action: procedureOf(call.method),
      target: project ? `projects/${project}` : "",
      ...(project ? { project } : {}),
      requestId: call.values.get(requestIdKey),
      remoteAddress: call.values.get(remoteAddressKey),
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

  const authorize: AuthorizeCall = async (call) => {
    if (publicServices.has(call.service.typeName)) return undefined;
    const access = accessOf(call.method);
    const rpc = procedureOf(call.method);
    if (!access) {
      const err = new ConnectError(`${rpc} declares no access rule`, Code.PermissionDenied);
      await audit(call, undefined, undefined, err);
      throw err;
    }
    // Credentials sent to a public RPC are ignored, never rejected.
    if (access.public) return undefined;

    // Facts for the audit event of a denial, filled in as they become known.
    const seen: { principal?: Principal; project?: string } = {};
    try {
      // The server's admission check may have authenticated the call before reading its body.
      const authenticated = call.values.get(authenticatedKey) ?? (await authenticate(call.header));
      let principal = (seen.principal = authenticated.principal);
      if (authenticated.disabled) throw new ConnectError("user is disabled", Code.PermissionDenied);
      const needsMessage = access.projectField !== "" || access.keyFields.length > 0;
      const target = readTarget(
        access,
        call.method,
        needsMessage ? await call.message() : undefined,
      );
      seen.project = target.project;
      let decision = decide(access, principal, target, rpc);
      if (!decision.allowed && principal.kind !== "api_key") {
        // The cached role bindings may predate a grant (made in another process, or by
        // CreateProject): look again before refusing, so that grants apply at once.
        const again = await authenticate(call.header, { fresh: true });
        if (again.disabled) throw new ConnectError("user is disabled", Code.PermissionDenied);
        principal = seen.principal = again.principal;
        decision = decide(access, principal, target, rpc);
      }
      if (!decision.allowed) throw new ConnectError(decision.message, Code.PermissionDenied);
      return { access, principal, target, rpc };
    } catch (err) {
      // Denials are audited, and so are rejected credentials; a call without any is not.
      if (err instanceof ConnectError && isDenial(err) && hasCredentials(call.header)) {
        await audit(call, seen.principal, seen.project, err);
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
  };
  return { authorize, audit };
}

function hasCredentials(header: Headers): boolean {
  return header.has("authorization") || header.has("x-api-key");
}

function isDenial(err: ConnectError): boolean {
  return err.code === Code.PermissionDenied || err.code === Code.Unauthenticated;
}
