import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import type {
  DescMethodUnary,
  DescMessage,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { FastUnaryRoute } from "./fast-route.js";

const textEncoder = new TextEncoder();

/**
 * A fast route that answers with a response message, encoded as Connect encodes it (proto,
 * or JSON with protobuf-es's default options). For an RPC whose handler is the same one the
 * Connect route runs: only the per-call machinery of Connect's generic router is left out.
 */
export function messageRoute<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  handler: (req: MessageShape<I>, ctx: HandlerContext) => Promise<MessageInitShape<O>>,
): FastUnaryRoute {
  const output = method.output;
  return {
    method,
    async serve(message, ctx) {
      const init = await handler(message as MessageShape<I>, ctx);
      const res = create(output, init);
      return {
        encode: (binary) =>
          binary ? toBinary(output, res) : textEncoder.encode(toJsonString(output, res)),
      };
    },
  };
}
