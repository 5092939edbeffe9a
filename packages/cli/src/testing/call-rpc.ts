import type { DescMethod, DescMethodStreaming, DescMethodUnary, Message } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import type { Outcome } from "./access-model.js";

/** What came back from one call: how the RBAC layer treated it, and what exactly happened. */
export interface CallResult {
  outcome: Outcome;
  /** "OK", "first message", or the Connect code name and message of the error. */
  detail: string;
}

/** How long a call may take; a stream that sends nothing within its deadline was let in. */
export interface CallTimeouts {
  unaryMs: number;
  streamMs: number;
}

function isUnary(method: DescMethod): method is DescMethodUnary {
  return method.methodKind === "unary";
}

function isStreaming(method: DescMethod): method is DescMethodStreaming {
  return method.methodKind !== "unary";
}

async function* once(message: Message): AsyncIterable<Message> {
  yield message;
}

/**
 * Calls any RPC with one request message and the given headers, and classifies the answer:
 * Unauthenticated and PermissionDenied are refusals, every other answer (success, NotFound,
 * FailedPrecondition, a stream's first message, a stream's DeadlineExceeded) means the call
 * got past authorization. A stream is cancelled after its first message.
 */
export async function callRpc(
  transport: Transport,
  method: DescMethod,
  message: Message,
  headers: Record<string, string>,
  timeouts: CallTimeouts,
): Promise<CallResult> {
  const cancel = new AbortController();
  try {
    if (isUnary(method)) {
      await transport.unary(method, cancel.signal, timeouts.unaryMs, headers, message);
      return { outcome: "allowed", detail: "OK" };
    }
    if (!isStreaming(method)) throw new Error(`unknown method kind ${method.methodKind}`);
    const res = await transport.stream(
      method,
      cancel.signal,
      timeouts.streamMs,
      headers,
      once(message),
    );
    for await (const _ of res.message) break;
    return { outcome: "allowed", detail: "first message" };
  } catch (err) {
    const e = ConnectError.from(err);
    const detail = `${Code[e.code]}: ${e.rawMessage}`;
    if (e.code === Code.Unauthenticated) return { outcome: "unauthenticated", detail };
    if (e.code === Code.PermissionDenied) return { outcome: "permission_denied", detail };
    return { outcome: "allowed", detail };
  } finally {
    cancel.abort();
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep their order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
