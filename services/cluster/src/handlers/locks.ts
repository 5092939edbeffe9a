import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { ClusterService } from "@guardian/api";
import { principalOf } from "@guardian/kit";
import type { ClusterBackend } from "../backend/types.js";
import {
  checkAcquireLockRequest,
  checkLockLeaseRequest,
  checkLockRequest,
  type ClusterLimits,
} from "../check.js";
import { lockToProto } from "../convert.js";

type LockMethods = Pick<
  ServiceImpl<typeof ClusterService>,
  "acquireLock" | "keepAliveLock" | "releaseLock" | "getLock"
>;

/** Creates the lock handlers: acquire (waiting up to a bound), keep alive, release, read. */
export function createLockHandlers(backend: ClusterBackend, limits: ClusterLimits): LockMethods {
  return {
    async acquireLock(req, ctx) {
      const input = checkAcquireLockRequest(req, limits, principalOf(ctx).name);
      // Never wait past the caller's deadline: answer LockHeld a little before it instead.
      const deadline = ctx.timeoutMs();
      if (deadline !== undefined) {
        input.waitMs = Math.max(0, Math.min(input.waitMs, deadline - 250));
      }
      return { lock: lockToProto(await backend.acquireLock(input, ctx.signal)) };
    },

    async keepAliveLock(req) {
      checkLockLeaseRequest(req);
      const expireTime = await backend.keepAliveLock(req.name, req.leaseId);
      return { expireTime: timestampFromDate(expireTime) };
    },

    async releaseLock(req) {
      checkLockLeaseRequest(req);
      await backend.releaseLock(req.name, req.leaseId);
      return {};
    },

    async getLock(req) {
      checkLockRequest(req);
      const lock = await backend.getLock(req.name);
      return { lock: lock && lockToProto(lock) };
    },
  };
}
