import type { Format } from "ajv";
import { email, idnEmail } from "./emails.js";
import { hostname, idnHostname } from "./hostnames.js";
import { dateTime, duration, time } from "./times.js";
import { uri, uriReference, uriTemplate } from "./uris.js";

/** Whether `format` is checked (the default) or only carried as an annotation. */
export type FormatMode = "assert" | "annotate";

/** The format modes as stored in `schema_versions.format_mode`. */
export const formatModes: readonly FormatMode[] = ["assert", "annotate"];

// With the "u" flag, a surrogate only matches when it is not part of a pair.
const loneSurrogate = /[\ud800-\udfff]/u;

/** Percent-encodes the characters outside US-ASCII, turning an IRI into a URI (RFC 3987 §3.1). */
function iriToUri(value: string): string | undefined {
  if (loneSurrogate.test(value)) return undefined;
  return value.replace(/[^\x00-\x7f]/gu, (ch) => encodeURIComponent(ch));
}

const uuid = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/u;

/**
 * The formats Guardian adds to ajv-formats' full set or defines more strictly than it:
 * `iri`, `iri-reference`, `idn-hostname` and `idn-email`, which ajv-formats leaves out, and
 * `uri`, `uri-reference` (RFC 3986), `uri-template` (RFC 6570), `hostname` (A-labels are
 * checked), `email` (quoted local parts, address literals),
 * `date-time` and `time` (leap seconds, offsets), `duration` (RFC 3339's grammar) and `uuid`.
 */
export const idnFormats: Record<string, Format> = {
  uri,
  "uri-reference": uriReference,
  "uri-template": uriTemplate,
  // ECMA-262 with the "u" flag, as patterns are compiled: no identity escapes such as "\\a".
  regex: (value: string) => {
    try {
      new RegExp(value, "u");
      return true;
    } catch {
      return false;
    }
  },
  iri: (value: string) => {
    const converted = iriToUri(value);
    return converted !== undefined && uri(converted);
  },
  "iri-reference": (value: string) => {
    const converted = iriToUri(value);
    return converted !== undefined && uriReference(converted);
  },
  hostname,
  "idn-hostname": idnHostname,
  email,
  "idn-email": idnEmail,
  "date-time": dateTime,
  time,
  duration,
  uuid,
};
