import { Code, ConnectError } from "@connectrpc/connect";
import { UsageError } from "../usage-error.js";

/**
 * The CLI's exit codes, documented in docs/cli.md:
 * 0 success, 1 a failed call, 2 usage error, 3 not found, 4 conflict (a version or an
 * idempotency key), 5 unauthenticated or permission denied.
 */
export const exitCodes = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  denied: 5,
} as const;

/** The exit code for an error a command ended with. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return exitCodes.usage;
  if (!(err instanceof ConnectError)) return exitCodes.failed;
  switch (err.code) {
    case Code.NotFound:
      return exitCodes.notFound;
    case Code.Aborted:
    case Code.AlreadyExists:
      return exitCodes.conflict;
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return exitCodes.denied;
    case Code.InvalidArgument:
      // An idempotency key reused with a different request is a conflict too.
      return /idempotency/i.test(err.rawMessage) ? exitCodes.conflict : exitCodes.failed;
    default:
      return exitCodes.failed;
  }
}
