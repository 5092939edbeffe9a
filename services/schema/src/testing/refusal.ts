import { ConnectError } from "@connectrpc/connect";
import { ValidationFailureSchema } from "@guardian/api";
import { compileCandidate } from "../engine/compile.js";

/**
 * Compiles a candidate schema document that must be refused and returns the refusal: the
 * ConnectError, its code and message, and the violations of its ValidationFailure detail.
 */
export function refusalOf(content: unknown) {
  let thrown: unknown;
  try {
    compileCandidate(content);
  } catch (err) {
    thrown = err;
  }
  if (!(thrown instanceof ConnectError)) {
    throw new Error("expected the schema to be refused with a ConnectError", { cause: thrown });
  }
  const [failure] = thrown.findDetails(ValidationFailureSchema);
  return {
    err: thrown,
    code: thrown.code,
    message: thrown.rawMessage,
    violations: failure?.violations ?? [],
    truncated: failure?.truncated,
  };
}
