import { Code, ConnectError } from "@connectrpc/connect";
import { LimitExceededSchema } from "@guardian/api";
import type { Logger } from "../logging/logger.js";

/** Default of `ServerOptions.maxOpenCalls`. */
export const defaultMaxOpenCalls = 10_000;

/** How often at most a refusal is logged. */
const logEveryMs = 10_000;

/**
 * The check run before an RPC is served: ResourceExhausted once `open()` requests (this one
 * included) are past `maxOpenCalls`, else undefined. Each open stream holds memory for as long
 * as its client keeps it, so without a bound any client (authenticated or not: Health `Watch`
 * needs no credential) could open streams until the process runs out of memory. Refusals
 * are logged at most once every 10 s, with how many were refused since the last line.
 */
export function openCallLimit(
  opts: { maxOpenCalls?: number },
  logger: Logger,
  open: () => number,
): () => ConnectError | undefined {
  const max = opts.maxOpenCalls ?? defaultMaxOpenCalls;
  let refused = 0;
  let loggedAt = -Infinity;
  return () => {
    if (open() <= max) return undefined;
    refused += 1;
    const now = performance.now();
    if (now - loggedAt >= logEveryMs) {
      logger.warn(
        { maxOpenCalls: max, refused },
        "calls refused: the server has as many calls open as it allows",
      );
      loggedAt = now;
      refused = 0;
    }
    return new ConnectError(
      `the server has ${max} calls open, as many as it allows; retry later or elsewhere`,
      Code.ResourceExhausted,
      undefined,
      [{ desc: LimitExceededSchema, value: { limit: "open_calls", max: BigInt(max) } }],
    );
  };
}
