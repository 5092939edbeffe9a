import { domainToASCII } from "node:url";
import { fullFormats } from "ajv-formats/dist/formats.js";
import type { Format } from "ajv";

/** Whether `format` is checked (the default) or only carried as an annotation. */
export type FormatMode = "assert" | "annotate";

/** The format modes as stored in `schema_versions.format_mode`. */
export const formatModes: readonly FormatMode[] = ["assert", "annotate"];

function check(format: Format | undefined, value: string): boolean {
  if (format === undefined || format === true) return true;
  if (typeof format === "string") return new RegExp(format, "u").test(value);
  if (format instanceof RegExp) return format.test(value);
  if (typeof format === "function") return format(value) as boolean;
  return check(format.validate as Format, value);
}

// With the "u" flag, a surrogate only matches when it is not part of a pair.
const loneSurrogate = /[\ud800-\udfff]/u;

/** Percent-encodes the characters outside US-ASCII, turning an IRI into a URI (RFC 3987 §3.1). */
function iriToUri(value: string): string | undefined {
  if (loneSurrogate.test(value)) return undefined;
  return value.replace(/[^\x00-\x7f]/gu, (ch) => encodeURIComponent(ch));
}

/**
 * An internationalized host name: every label converts to an A-label (UTS #46, non-transitional)
 * and the result is a valid host name. A label that is already an A-label must decode.
 */
function idnHostname(value: string): boolean {
  if (value === "" || value.length > 253 || /[\s%/@:]/u.test(value)) return false;
  const labels = value.split(/[.\u3002\uff0e\uff61]/u);
  if (labels.some((l) => l === "" || l.startsWith("-") || l.endsWith("-"))) return false;
  // Hyphens in the third and fourth place are reserved for A-labels ("xn--").
  if (labels.some((l) => l.slice(2, 4) === "--" && !/^xn--/iu.test(l))) return false;
  const ascii = domainToASCII(value);
  return ascii !== "" && check(fullFormats.hostname, ascii);
}

/** An internationalized e-mail address (RFC 6531): a UTF-8 local part and an IDN domain. */
function idnEmail(value: string): boolean {
  const at = value.lastIndexOf("@");
  if (at <= 0 || loneSurrogate.test(value)) return false;
  // Non-ASCII characters are allowed anywhere in the local part's atoms.
  const local = value.slice(0, at).replace(/[^\x00-\x7f]/gu, "a");
  const domain = value.slice(at + 1);
  return check(fullFormats.email, `${local}@example.com`) && idnHostname(domain);
}

/**
 * The formats Guardian adds to ajv-formats' full set: `iri`, `iri-reference`, `idn-hostname`
 * and `idn-email`, which JSON Schema defines and ajv-formats leaves out.
 */
export const idnFormats: Record<string, Format> = {
  iri: (value: string) => {
    const uri = iriToUri(value);
    return uri !== undefined && check(fullFormats.uri, uri);
  },
  "iri-reference": (value: string) => {
    const uri = iriToUri(value);
    return uri !== undefined && check(fullFormats["uri-reference"], uri);
  },
  "idn-hostname": idnHostname,
  "idn-email": idnEmail,
};
