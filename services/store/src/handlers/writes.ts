import type { ServiceImpl } from "@connectrpc/connect";
import { carriedAuditKey } from "@guardian/authz";
import { WriteOp, type StoreService } from "@guardian/api";
import { checkWriteRequest } from "../check.js";
import { kvToProto, metaFromProto } from "../convert.js";
import type { StoreServiceDeps } from "../deps.js";
import { recordToKeyValue } from "../engine/records.js";

type WriteHandlers = Pick<ServiceImpl<typeof StoreService>, "write">;

/** Creates the write handler: one compare-and-put (or delete) of one config. */
export function createWriteHandlers({ engine }: StoreServiceDeps): WriteHandlers {
  return {
    async write(req, ctx) {
      const input = checkWriteRequest(req);
      const res = await engine.write({
        ...input,
        op: req.op === WriteOp.DELETE ? "delete" : "put",
        value: req.value,
        meta: metaFromProto(req.meta),
        // Only a caller in this process can hand one over (see createLocalStoreClient).
        audit: ctx.values.get(carriedAuditKey),
      });
      return {
        revision: res.revision,
        kv: kvToProto(recordToKeyValue(res.record)),
        idempotentReplay: res.idempotentReplay,
      };
    },
  };
}
