import type { Message } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";

type AnyRequest = Parameters<Parameters<Interceptor>[0]>[0];

/**
 * Returns the first request message of a call and a request to pass on in its place.
 *
 * For unary calls that is the message itself. For streaming calls the first message is
 * read from the stream and put back in front of the rest, so the handler sees the whole
 * stream (server-streaming calls such as Watch carry exactly one message).
 */
export async function peekRequest(
  req: AnyRequest,
): Promise<{ first: Message | undefined; req: AnyRequest }> {
  if (!req.stream) return { first: req.message, req };
  const it = req.message[Symbol.asyncIterator]();
  const head = await it.next();
  if (head.done === true) return { first: undefined, req: { ...req, message: empty() } };
  async function* replay(): AsyncGenerator<Message> {
    yield head.value;
    for (;;) {
      const next = await it.next();
      if (next.done === true) return;
      yield next.value;
    }
  }
  return { first: head.value, req: { ...req, message: replay() } };
}

async function* empty(): AsyncGenerator<Message> {
  // A stream without messages; the handler reports the protocol error itself.
}
