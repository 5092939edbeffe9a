// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const loneSurrogateRe = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Says why a string cannot be stored as PostgreSQL text or jsonb, or undefined when it can:
 * U+0000 (text and jsonb cannot hold it) and lone UTF-16 surrogates (not valid UTF-8, so they
 * would be silently replaced on the wire) are refused.
 */
export function textProblem(s: string): string | undefined {
  if (s.includes("\u0000")) return "must not contain the NUL character (U+0000)";
  if (loneSurrogateRe.test(s)) return "must not contain a lone UTF-16 surrogate";
  return undefined;
}
