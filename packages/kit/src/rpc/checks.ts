import { invalidArgument } from "../errors/bad-request.js";

/**
 * One check of a request field: its path (proto field names, dot-separated) and what is
 * wrong with it, or undefined when it is fine.
 */
export type Check = [field: string, problem: string | undefined];

/**
 * Throws InvalidArgument (with a guardian.v1.BadRequest detail) naming every failed check,
 * so that a client learns all that is wrong with a request at once. Does nothing when every
 * check passed.
 */
export function failOn(checks: readonly Check[]): void {
  let violations: { field: string; description: string }[] | undefined;
  for (const [field, description] of checks) {
    if (description !== undefined) (violations ??= []).push({ field, description });
  }
  if (violations !== undefined) throw invalidArgument(violations);
}

/**
 * The length of a text as every Guardian limit counts it: in Unicode code points, so that
 * an emoji or any other character outside the Basic Multilingual Plane counts as one.
 */
export function textLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Checks a text against a maximum length in characters (code points, see {@link textLength}). */
export function maxLength(text: string, max: number): string | undefined {
  // Fewer UTF-16 units than the limit means fewer code points too.
  if (text.length <= max) return undefined;
  const length = textLength(text);
  return length > max ? `must be at most ${max} characters, got ${length}` : undefined;
}

/** Checks a number that must not be negative (absent is fine). */
export function notNegative(v: bigint | number | undefined): string | undefined {
  return v !== undefined && v < 0 ? "must not be negative" : undefined;
}
