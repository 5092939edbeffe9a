import { inRange, makeField, rangeText } from "./fields.js";
import type { CommonOptions, Field, OptionalMarker } from "./fields.js";
import { formatBytes, formatDuration, parseBytes, parseDuration } from "./units.js";

/** Options for {@link bytes}; `default` may be a number of bytes or a size such as `"4MiB"`. */
export interface BytesOptions extends Omit<CommonOptions<number>, "default"> {
  default?: number | string;
  /** Smallest accepted size in bytes (inclusive). */
  min?: number;
  /** Largest accepted size in bytes (inclusive). */
  max?: number;
}

/** Declares a byte-size variable (`"4MiB"`, `"512KiB"`, `"10MB"`, plain integers); the value is in bytes. */
export function bytes(
  variable: string,
  opts: BytesOptions & OptionalMarker,
): Field<number | undefined>;
export function bytes(variable: string, opts?: BytesOptions): Field<number>;
export function bytes(variable: string, opts?: BytesOptions): Field<number | undefined> {
  const parse = (text: string): number | undefined => {
    const value = parseBytes(text);
    return value !== undefined && inRange(value, opts?.min, opts?.max) ? value : undefined;
  };
  return makeField(
    variable,
    { ...opts, default: toNumber(opts?.default, parse, variable) },
    {
      expected: rangeText("a byte size such as 4MiB, 512KiB or 1048576", opts?.min, opts?.max),
      parse,
      format: formatBytes,
    },
  );
}

/** Options for {@link duration}; `default` may be milliseconds or a duration such as `"15m"`. */
export interface DurationOptions extends Omit<CommonOptions<number>, "default"> {
  default?: number | string;
  /** Shortest accepted duration in milliseconds (inclusive). */
  min?: number;
  /** Longest accepted duration in milliseconds (inclusive). */
  max?: number;
}

/** Declares a duration variable (`"15m"`, `"30s"`, `"1h30m"`, `"250ms"`); the value is in milliseconds. */
export function duration(
  variable: string,
  opts: DurationOptions & OptionalMarker,
): Field<number | undefined>;
export function duration(variable: string, opts?: DurationOptions): Field<number>;
export function duration(variable: string, opts?: DurationOptions): Field<number | undefined> {
  const parse = (text: string): number | undefined => {
    const value = parseDuration(text);
    return value !== undefined && inRange(value, opts?.min, opts?.max) ? value : undefined;
  };
  return makeField(
    variable,
    { ...opts, default: toNumber(opts?.default, parse, variable) },
    {
      expected: rangeText("a duration such as 250ms, 30s, 15m or 1h30m", opts?.min, opts?.max),
      parse,
      format: formatDuration,
    },
  );
}

/** Options for {@link list}. */
export interface ListOptions extends CommonOptions<readonly string[]> {
  /** Item separator; defaults to a comma. */
  separator?: string;
}

/** Declares a list variable: items split on `separator` (a comma by default), trimmed, blanks dropped. */
export function list(
  variable: string,
  opts: ListOptions & OptionalMarker,
): Field<string[] | undefined>;
export function list(variable: string, opts?: ListOptions): Field<string[]>;
export function list(variable: string, opts?: ListOptions): Field<string[] | undefined> {
  const separator = opts?.separator ?? ",";
  return makeField<string[]>(
    variable,
    { ...opts, default: opts?.default === undefined ? undefined : [...opts.default] },
    {
      expected: `a ${JSON.stringify(separator)}-separated list`,
      parse: (text) => {
        const items = text
          .split(separator)
          .map((s) => s.trim())
          .filter((s) => s !== "");
        return items.length > 0 ? items : undefined;
      },
      format: (v) => v.join(separator),
    },
  );
}

function toNumber(
  value: number | string | undefined,
  parse: (text: string) => number | undefined,
  variable: string,
): number | undefined {
  if (typeof value !== "string") {
    return value;
  }
  const parsed = parse(value);
  if (parsed === undefined) {
    // A bad default is a programming error, not an operator error.
    throw new TypeError(`${variable}: invalid default ${JSON.stringify(value)}`);
  }
  return parsed;
}
