import { Code, ConnectError } from "@connectrpc/connect";
import { ValidationFailureSchema, VersionConflictSchema } from "@guardian/api";
import type { Violation } from "./violations.js";

/** The violations the server reported when it refused a write, if that is why it did. */
export function serverViolations(err: unknown): Violation[] | undefined {
  const e = ConnectError.from(err);
  if (e.code !== Code.InvalidArgument) return undefined;
  const [failure] = e.findDetails(ValidationFailureSchema);
  if (failure === undefined) return undefined;
  return failure.violations.map((v) => ({
    pointer: v.pointer,
    message: v.message,
    keyword: v.keyword,
  }));
}

/** The current version named by a version conflict (Aborted), if the error is one. */
export function conflictVersion(err: unknown): bigint | undefined {
  const e = ConnectError.from(err);
  if (e.code !== Code.Aborted) return undefined;
  return e.findDetails(VersionConflictSchema)[0]?.currentVersion ?? 0n;
}
