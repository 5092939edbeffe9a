import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "@guardian/api";

/** One malformed field of a request: its path (proto field names, dot-separated) and what is wrong. */
export interface FieldViolationInit {
  readonly field: string;
  readonly description: string;
}

/**
 * Builds a Code.InvalidArgument error naming every malformed field, for example
 * `invalid project_id: must not be empty`, with a `guardian.v1.BadRequest` detail listing them.
 */
export function invalidArgument(violations: readonly FieldViolationInit[]): ConnectError {
  const text = violations.map((v) => `${v.field}: ${v.description}`).join("; ");
  const message = violations.length === 1 ? `invalid ${text}` : `invalid request: ${text}`;
  return new ConnectError(message, Code.InvalidArgument, undefined, [
    {
      desc: BadRequestSchema,
      value: { fieldViolations: violations.map((v) => ({ ...v })) },
    },
  ]);
}

/** Throws a Code.InvalidArgument error for one field, with a message naming the field. */
export function badRequest(field: string, description: string): never {
  throw invalidArgument([{ field, description }]);
}
