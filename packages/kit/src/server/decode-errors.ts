import { Code, ConnectError } from "@connectrpc/connect";
import { sameRoute } from "./wrap-handler.js";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { asDecodeError, decodeFailurePrefix as prefix } from "../errors/decode-failure.js";

async function collect(body: AsyncIterable<Uint8Array> | undefined): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  if (body) for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** A Connect unary error answer: its JSON body, rewritten when it is a decode failure. */
async function fixConnectUnary(res: UniversalServerResponse): Promise<UniversalServerResponse> {
  const bytes = await collect(res.body);
  let error: { code?: unknown; message?: unknown };
  try {
    error = JSON.parse(Buffer.from(bytes).toString("utf8")) as typeof error;
  } catch {
    return { ...res, body: once(bytes) };
  }
  const message = typeof error.message === "string" ? error.message : "";
  if (error.code !== "internal" || !message.startsWith(prefix))
    return { ...res, body: once(bytes) };
  const fixed = asDecodeError(new ConnectError(message, Code.Internal)) as ConnectError;
  const json = JSON.stringify({ code: "invalid_argument", message: fixed.rawMessage });
  const body = Buffer.from(json);
  const header = new Headers(res.header);
  if (header.has("content-length")) header.set("content-length", String(body.byteLength));
  return { ...res, status: 400, header, body: once(body) };
}

/** A gRPC answer whose trailers, set once its body has been sent, may carry a decode failure. */
function fixGrpc(res: UniversalServerResponse): UniversalServerResponse {
  const trailer = res.trailer;
  const body = res.body;
  if (!trailer || !body) return res;
  return {
    ...res,
    body: (async function* () {
      yield* body;
      const message = decodeURIComponent(trailer.get("grpc-message") ?? "");
      if (trailer.get("grpc-status") === String(Code.Internal) && message.startsWith(prefix)) {
        const fixed = asDecodeError(new ConnectError(message, Code.Internal)) as ConnectError;
        trailer.set("grpc-status", String(Code.InvalidArgument));
        trailer.set("grpc-message", encodeURIComponent(fixed.rawMessage));
      }
    })(),
  };
}

/**
 * Wraps a connect-es handler so that a request message it cannot decode is answered with
 * InvalidArgument instead of Internal, over the Connect protocol (unary and streaming, where
 * the logging interceptor maps it, see `sanitizeError`) and gRPC. Unary Connect and gRPC
 * decode the message before any interceptor runs, so the answer itself is rewritten here.
 */
export function withDecodeErrors(handler: UniversalHandler): UniversalHandler {
  const wrapped = async (req: Parameters<UniversalHandler>[0]) => {
    const res = await handler(req);
    const type = res.header?.get("content-type") ?? "";
    if (
      res.status === 500 &&
      type.startsWith("application/json") &&
      !res.header?.has("content-encoding")
    ) {
      return fixConnectUnary(res);
    }
    if (type.startsWith("application/grpc") && !type.startsWith("application/grpc-web")) {
      return fixGrpc(res);
    }
    return res;
  };
  return sameRoute(handler, wrapped);
}
