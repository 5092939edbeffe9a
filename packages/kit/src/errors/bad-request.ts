import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "@guardian/api";

/** One malformed field of a request: its path (proto field names, dot-separated) and what is wrong. */
export interface FieldViolationInit {
  readonly field: string;
  readonly description: string;
}

/** The most characters of a field path or description an error repeats. */
const maxEcho = 300;

/**
 * Shortens a text to {@link maxEcho} characters. Descriptions quote the bad value (a label
 * key, a name), which may be as long as the request allows: repeated whole, it can make
 * the answer too large to send (a gRPC status travels in one HTTP/2 header frame).
 */
function clip(text: string): string {
  return text.length <= maxEcho ? text : `${Array.from(text).slice(0, maxEcho).join("")}…`;
}

/** The most field violations an error lists. */
export const maxViolations = 20;

/**
 * Builds a Code.InvalidArgument error naming every malformed field, for example
 * `invalid project_id: must not be empty`, with a `guardian.v1.BadRequest` detail listing them.
 * Past {@link maxViolations}, the first ones are listed and the message says how many more
 * there are: a request of a million bad list items must not get an answer many times its size
 * (nor one too large to send: a gRPC status travels in one HTTP/2 header frame).
 */
export function invalidArgument(requested: readonly FieldViolationInit[]): ConnectError {
  const violations = requested.slice(0, maxViolations).map((v) => ({
    field: clip(v.field),
    description: clip(v.description),
  }));
  const more = requested.length - violations.length;
  const text =
    violations.map((v) => `${v.field}: ${v.description}`).join("; ") +
    (more > 0 ? `; and ${more} more problems not listed` : "");
  const message = requested.length === 1 ? `invalid ${text}` : `invalid request: ${text}`;
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
