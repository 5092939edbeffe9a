import { Code, ConnectError } from "@connectrpc/connect";

/** A readable one-line description of a failed call: the code's name and the message. */
export function describeError(err: unknown): string {
  const e = ConnectError.from(err);
  return `${codeLabel(e.code)}: ${e.rawMessage}`;
}

/** The code of a failed call. */
export function codeOf(err: unknown): Code {
  return ConnectError.from(err).code;
}

function codeLabel(code: Code): string {
  return (Code[code] ?? "Unknown").replace(/(?<=[a-z])(?=[A-Z])/g, " ");
}
