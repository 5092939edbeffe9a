import { Code, ConnectError } from "@connectrpc/connect";
import { ValidationFailureSchema } from "@guardian/api";
import type { ErrorObject } from "ajv";
import type { SchemaViolation } from "../contract.js";

/** The most violations reported for one document. */
export const maxViolations = 100;

/** Escapes one reference token of an RFC 6901 JSON pointer. */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Turns ajv's URI-fragment schema path ("#/properties/a%20b") into a JSON pointer. */
function schemaPointerOf(schemaPath: string): string {
  const fragment = schemaPath.startsWith("#") ? schemaPath.slice(1) : schemaPath;
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}

/** Points at the property an error is about when ajv reports it on the parent object. */
function pointerOf(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  const property =
    params["missingProperty"] ?? params["additionalProperty"] ?? params["unevaluatedProperty"];
  if (typeof property === "string") return `${e.instancePath}/${escapePointerToken(property)}`;
  // A duplicate is reported on the later of the two equal items.
  if (e.keyword === "uniqueItems" && typeof params["i"] === "number") {
    return `${e.instancePath}/${params["i"]}`;
  }
  return e.instancePath;
}

/**
 * Converts ajv errors about `document` to violations, in document order: by where the
 * pointed-at value (or, for a missing property, its parent) appears in the document.
 */
export function violationsFromAjv(
  errors: readonly ErrorObject[] | null | undefined,
  document: unknown,
): SchemaViolation[] {
  if (!errors || errors.length === 0) return [];
  const violations = errors.map((e) => ({
    pointer: pointerOf(e),
    message: e.message ?? `fails "${e.keyword}"`,
    keyword: e.keyword,
    schemaPointer: schemaPointerOf(e.schemaPath),
  }));
  return inDocumentOrder(violations, document);
}

/** Sorts violations by the position of their pointer in a pre-order walk of `document`. */
export function inDocumentOrder(
  violations: SchemaViolation[],
  document: unknown,
): SchemaViolation[] {
  if (violations.length < 2) return violations;
  const positions = new Map<string, number>();
  const visit = (value: unknown, pointer: string): void => {
    positions.set(pointer, positions.size);
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, `${pointer}/${i}`));
    } else if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value)) visit(v, `${pointer}/${escapePointerToken(k)}`);
    }
  };
  visit(document, "");
  const rank = (pointer: string): number => {
    let p = pointer;
    for (;;) {
      const at = positions.get(p);
      if (at !== undefined) return at;
      const cut = p.lastIndexOf("/");
      if (cut < 0) return 0;
      p = p.slice(0, cut);
    }
  };
  // Array.prototype.sort is stable, so violations at one place keep ajv's order.
  return violations
    .map((v) => ({ v, at: rank(v.pointer) }))
    .sort((a, b) => a.at - b.at)
    .map(({ v }) => v);
}

/**
 * Summarises violations for an error message: "/port: must be <= 65535 (and 2 more)". A list
 * longer than {@link maxViolations} was cut where it was found, so its count is a floor.
 */
export function summarizeViolations(violations: readonly SchemaViolation[]): string {
  const [first] = violations;
  if (!first) return "no details";
  const where = first.pointer === "" ? "" : `${first.pointer}: `;
  const more =
    violations.length > maxViolations
      ? ` (and at least ${maxViolations} more)`
      : violations.length > 1
        ? ` (and ${violations.length - 1} more)`
        : "";
  return `${where}${first.message}${more}`;
}

/** Builds a guardian.v1.ValidationFailure of at most {@link maxViolations} violations. */
export function validationFailure(violations: readonly SchemaViolation[], limit = maxViolations) {
  return {
    violations: violations.slice(0, limit).map((v) => ({ ...v })),
    truncated: violations.length > limit,
  };
}

/**
 * Builds the InvalidArgument error for a document that does not match a schema, for example
 * `content does not match schema "app" v2: /port: must be <= 65535 (and 2 more)` when
 * `what` is `schema "app" v2`, with a guardian.v1.ValidationFailure detail.
 */
export function validationFailedError(
  violations: readonly SchemaViolation[],
  what: string,
): ConnectError {
  return new ConnectError(
    `content does not match ${what}: ${summarizeViolations(violations)}`,
    Code.InvalidArgument,
    undefined,
    [{ desc: ValidationFailureSchema, value: validationFailure(violations) }],
  );
}
