import type { DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError, type StreamResponse } from "@connectrpc/connect";
import type { Access } from "@guardian/api";
import type { Principal } from "@guardian/kit";
import type { AccessEpoch } from "./access-epoch.js";
import { decide, type CallTarget } from "./decide.js";
import { createEpochMemo } from "./epoch-memo.js";
import { guardStream } from "./stream-guard.js";

/** A call's credentials as the interceptor resolves them. */
export interface Authenticated {
  principal: Principal;
  disabled: boolean;
}

/** Dependencies of {@link createOpenStreams}. */
export interface OpenStreamsDeps {
  epoch: AccessEpoch;
  /** Authenticates a call's headers from the database, bypassing every cache. */
  authenticateFresh(header: Headers): Promise<Authenticated>;
}

/** What the RBAC interceptor decided for a streaming call. */
export interface StreamCall {
  header: Headers;
  access: Access;
  target: CallTarget;
  rpc: string;
  principal: Principal;
  /** Records a denial in the audit log, as for a call refused when it opens. */
  audit(err: ConnectError): Promise<void>;
}

/** Keeps the streaming responses of authorized calls authorized; see {@link guardStream}. */
export interface OpenStreams {
  /** Returns `res` with its messages gated by the caller's continued access. */
  guard<I extends DescMessage, O extends DescMessage>(
    res: StreamResponse<I, O>,
    call: StreamCall,
  ): StreamResponse<I, O>;
}

/**
 * Creates the open-stream guard of the RBAC interceptor. A stream is re-authorized exactly as
 * a new call would be (fresh credentials, same access option and target), and streams that
 * present the same credentials share one re-authentication per access epoch.
 */
export function createOpenStreams(deps: OpenStreamsDeps): OpenStreams {
  const rechecked = createEpochMemo<Authenticated>();
  return {
    guard(res, call) {
      const { header, access, target, rpc } = call;
      const key = `${header.get("authorization")}\n${header.get("x-api-key")}`;
      const recheck = async (epoch: bigint) => {
        const again = await rechecked.get(epoch, key, () => deps.authenticateFresh(header));
        if (again.disabled) throw new ConnectError("user is disabled", Code.PermissionDenied);
        const decision = decide(access, again.principal, target, rpc);
        if (!decision.allowed) throw new ConnectError(decision.message, Code.PermissionDenied);
        return again.principal.expiresAt;
      };
      const expiresAt = call.principal.expiresAt;
      return {
        ...res,
        message: guardStream(res.message, deps.epoch, {
          recheck,
          ...(expiresAt ? { expiresAt } : {}),
          onDenied: (err) => void call.audit(err),
        }),
      };
    },
  };
}
