import type { ServiceImpl } from "@connectrpc/connect";
import type { SchemaService } from "@guardian/api";
import { checkSize, checkValidateDocumentRequest } from "../check.js";
import { documentTextOf } from "../convert.js";
import type { HandlerDeps } from "../deps.js";
import { validationFailure } from "../engine/violations.js";

type DocumentHandlers = Pick<ServiceImpl<typeof SchemaService>, "validateDocument">;

/** Creates the handler that validates a document against a stored schema version. */
export function createDocumentHandlers(deps: HandlerDeps): DocumentHandlers {
  const { registry, maxDocumentBytes } = deps;
  return {
    async validateDocument(req, ctx) {
      checkValidateDocumentRequest(req);
      const document = documentTextOf(req.document!, "document");
      checkSize(document, maxDocumentBytes, "config_size_bytes", "document");
      const schema = await registry.resolve(req.project, req.name, req.version);
      // A caller's own check: it may not take the thread that config writes keep.
      const violations = await schema.validate(document, ctx.signal, "check");
      return {
        valid: violations.length === 0,
        ...validationFailure(violations),
        version: schema.version,
      };
    },
  };
}
