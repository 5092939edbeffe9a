import type { AuditEventInit } from "./audit-log.js";

/** Longest actor and project stored, in UTF-16 units: both are indexed. */
export const maxIndexedLength = 256;
/** Longest target stored. */
export const maxTargetLength = 1024;

/**
 * A value cut to at most `max` UTF-16 units (never inside a surrogate pair), ending in a
 * mark that gives its full length. An event's project and target come from the request
 * before any check of their length; a value longer than an index row can hold made the
 * whole insert fail (and with it every event written in the same statement). Every write
 * and settlement of an event cuts here, and nowhere else.
 */
export function cut(value: string, max: number): string {
  if (value.length <= max) return value;
  // The mark counts toward `max`, so that a value cut once is never cut again.
  const mark = `… (${value.length} characters)`;
  const keep = max - mark.length;
  const end = /[\uD800-\uDBFF]/.test(value.charAt(keep - 1)) ? keep - 1 : keep;
  return `${value.slice(0, end)}${mark}`;
}

/** The event as it is stored: actor, project and target cut to their longest (see `cut`). */
export function storable<E extends AuditEventInit | Omit<AuditEventInit, "result">>(e: E): E {
  const actor = cut(e.actor, maxIndexedLength);
  const project = e.project && cut(e.project, maxIndexedLength);
  const target = e.target && cut(e.target, maxTargetLength);
  if (actor === e.actor && project === e.project && target === e.target) return e;
  return { ...e, actor, project, target };
}

/** Lone surrogates (not one half of a pair). */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function wellFormed(value: unknown): unknown {
  if (typeof value === "string") return value.replace(loneSurrogate, "\uFFFD");
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.replace(loneSurrogate, "\uFFFD"), wellFormed(v)]),
  );
}

/**
 * An event's detail as jsonb input. A string cut inside a surrogate pair (a name shortened
 * for a message) has a lone surrogate, which JSON writes as `\udXXX` and jsonb refuses,
 * failing the whole insert: lone surrogates become U+FFFD.
 */
export function detailText(detail: Record<string, unknown> | undefined): string {
  const text = JSON.stringify(detail ?? {});
  return /\\ud[89a-f]/i.test(text) ? JSON.stringify(wellFormed(detail)) : text;
}
