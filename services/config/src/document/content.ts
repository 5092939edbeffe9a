import type { Value } from "@bufbuild/protobuf/wkt";
import { badRequest, jsonTextOfValue } from "@guardian/kit";
import { validationFailedError, type SchemaRegistry } from "@guardian/schema-service";
import { configTooLarge } from "../error-map.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A config document ready to write: its JSON text and the same text as UTF-8 bytes. */
export interface Document {
  text: string;
  bytes: Uint8Array;
}

/**
 * Serializes request content to UTF-8 JSON and enforces the config size limit
 * (ResourceExhausted with guardian.v1.LimitExceeded "config_size_bytes").
 */
export function encodeContent(content: Value, maxBytes: number): Document {
  let text: string;
  try {
    // Content decoded off the event loop is already text.
    text = jsonTextOfValue(content);
  } catch {
    // A Value can hold NaN or Infinity, which JSON cannot.
    badRequest("content", "must be valid JSON (no NaN or Infinity)");
  }
  return checkSize({ text, bytes: encoder.encode(text) }, maxBytes);
}

/** A stored document (empty bytes: JSON null), size-checked like request content. */
export function storedDocument(bytes: Uint8Array, maxBytes: number): Document {
  return checkSize({ text: bytes.length === 0 ? "null" : decoder.decode(bytes), bytes }, maxBytes);
}

/** Enforces the config size limit on a document (also one restored from history). */
export function checkSize(doc: Document, maxBytes: number): Document {
  if (doc.bytes.length > maxBytes) throw configTooLarge(maxBytes, doc.bytes.length);
  return doc;
}

/**
 * Validates a document against a schema binding as it resolves now (version 0: the latest),
 * and returns the concrete version it was validated against. Fails with NotFound when the
 * schema or version does not exist, and with InvalidArgument (guardian.v1.ValidationFailure,
 * every violation with its JSON pointer) when the document does not match.
 */
export async function validateDocument(
  schemas: SchemaRegistry,
  binding: { project: string; schema: string; schemaVersion: number },
  text: string,
): Promise<number> {
  const resolved = await schemas.resolve(binding.project, binding.schema, binding.schemaVersion);
  const violations = await resolved.validate(text);
  if (violations.length > 0) {
    throw validationFailedError(violations, `schema "${resolved.name}" v${resolved.version}`);
  }
  return resolved.version;
}
