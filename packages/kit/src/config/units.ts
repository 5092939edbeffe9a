const byteUnits: Record<string, number> = {
  b: 1,
  k: 1000,
  kb: 1000,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  t: 1000 ** 4,
  tb: 1000 ** 4,
  ki: 1024,
  kib: 1024,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

const durationUnits: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Parses a byte size such as `"4MiB"`, `"512KiB"`, `"10MB"`, `"1.5GiB"` or a plain integer of bytes.
 *
 * Binary suffixes (`KiB`, `MiB`, `GiB`, `TiB`, or the Kubernetes forms `Ki`, `Mi`, ...) are powers
 * of 1024; decimal suffixes (`KB`, `MB`, ...) are powers of 1000. Suffixes are case-insensitive.
 * Returns `undefined` when the text is not a size or does not come to a whole number of bytes.
 */
export function parseBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (match === null) {
    return undefined;
  }
  const [, amount = "", unit = ""] = match;
  const factor = unit === "" ? 1 : byteUnits[unit.toLowerCase()];
  if (factor === undefined) {
    return undefined;
  }
  const value = Number(amount) * factor;
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Parses a duration such as `"15m"`, `"30s"`, `"250ms"`, `"1h30m"` or `"2d"` into milliseconds.
 *
 * A plain integer is read as milliseconds. Returns `undefined` when the text is not a duration
 * or does not come to a whole number of milliseconds.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const value = Number(trimmed);
    return Number.isSafeInteger(value) ? value : undefined;
  }
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(trimmed); match !== null; match = part.exec(trimmed)) {
    const [whole, amount = "", unit = ""] = match;
    total += Number(amount) * (durationUnits[unit] ?? Number.NaN);
    consumed += whole.length;
  }
  if (consumed === 0 || consumed !== trimmed.length) {
    return undefined;
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Formats a byte count compactly using the largest binary unit that divides it exactly. */
export function formatBytes(value: number): string {
  for (const [unit, factor] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    if (value >= factor && value % factor === 0) {
      return `${value / factor}${unit}`;
    }
  }
  return `${value}B`;
}

/** Formats milliseconds compactly using the largest unit that divides them exactly, e.g. `"15m"`. */
export function formatDuration(ms: number): string {
  for (const [unit, factor] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    if (ms >= factor && ms % factor === 0) {
      return `${ms / factor}${unit}`;
    }
  }
  return `${ms}ms`;
}
