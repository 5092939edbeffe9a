// U+0000 or any surrogate, paired or not.
const suspectRe = /[\u0000\uD800-\uDFFF]/;
// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const loneSurrogateRe = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Says why a string cannot be stored as PostgreSQL text or jsonb, or undefined when it can:
 * U+0000 (text and jsonb cannot hold it) and lone UTF-16 surrogates (not valid UTF-8, so they
 * would be silently replaced on the wire) are refused.
 */
export function textProblem(s: string): string | undefined {
  // One cheap scan decides for almost every string; the exact checks run only after a hit.
  if (!suspectRe.test(s)) return undefined;
  if (s.includes("\u0000")) return "must not contain the NUL character (U+0000)";
  if (loneSurrogateRe.test(s)) return "must not contain a lone UTF-16 surrogate";
  return undefined;
}
