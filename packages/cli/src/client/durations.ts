import { UsageError } from "../usage-error.js";

const unitMs: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a duration such as `90s`, `15m`, `1h`, `30d` or `2w` into milliseconds; a
 * malformed one is a usage error naming the option it came from.
 */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+)([smhdw])$/.exec(text.trim());
  if (!match) {
    throw new UsageError(
      `${option} must be a duration such as 90s, 15m, 1h, 30d or 2w, got "${text}"`,
    );
  }
  return Number(match[1]) * unitMs[match[2]!]!;
}

/**
 * Parses a point in time given as a duration back from now (`1h`: an hour ago) or as an
 * ISO 8601 date or date-time (`2026-11-30`, `2026-11-30T04:00:00Z`).
 */
export function parseSince(text: string, option: string, now = Date.now()): Date {
  if (/^\d+[smhdw]$/.test(text.trim())) return new Date(now - parseDuration(text, option));
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
  const ms = iso.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `${option} must be a duration back from now (1h, 7d) or an ISO date-time, got "${text}"`,
    );
  }
  return new Date(ms);
}

/** Parses a whole number of at least `min` given for an option. */
export function parseCount(text: string, option: string, min = 1): number {
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${option} must be a whole number of at least ${min}, got "${text}"`);
  }
  return Number(text);
}
