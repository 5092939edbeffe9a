/** The outcome of reading one variable: its value, or a sentence saying what is wrong. */
export type FieldResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * Describes one environment variable: its name, how to parse it, and what to use when it is unset.
 *
 * Build fields with `str`, `int`, `bool`, `url`, `oneOf`, `bytes`, `duration` and `list`;
 * pass them to `readConfig`.
 */
export interface Field<T> {
  /** The environment variable name, for example `GUARDIAN_PORT`. */
  readonly variable: string;
  /** A human description, shown by `describeConfig`. */
  readonly description: string | undefined;
  /** True when the variable has no default and is not optional. */
  readonly required: boolean;
  /** The default as it would be written in the environment, if there is one. */
  readonly defaultText: string | undefined;
  /** Parses the raw value (`undefined` when unset or blank). */
  read(raw: string | undefined): FieldResult<T>;
}

/** Options shared by every field constructor. */
export interface CommonOptions<T> {
  /** Shown by `describeConfig`. */
  description?: string;
  /** Used when the variable is unset or blank. */
  default?: T;
  /** When true, an unset variable yields `undefined` instead of an error. */
  optional?: boolean;
  /** When true, error messages never repeat the raw value (passwords, tokens). */
  secret?: boolean;
}

/** Options that make a field optional: its value type gains `undefined`. */
export interface OptionalMarker {
  optional: true;
  default?: undefined;
}

/** How {@link makeField} reads and shows one kind of value. */
export interface FieldSpec<T> {
  /** Completes "expected ...", for example "an integer between 0 and 65535". */
  expected: string;
  /** Parses trimmed, non-blank text; `undefined` means malformed. */
  parse: (text: string) => T | undefined;
  /** Writes a value as it would appear in the environment (for defaults). */
  format: (value: T) => string;
}

/** Builds a {@link Field} from its options and a parser; shared by every field constructor. */
export function makeField<T>(
  variable: string,
  opts: CommonOptions<T> | undefined,
  spec: FieldSpec<T>,
): Field<T> {
  const hasDefault = opts?.default !== undefined;
  const optional = opts?.optional === true;
  return {
    variable,
    description: opts?.description,
    required: !hasDefault && !optional,
    defaultText: hasDefault ? spec.format(opts.default as T) : undefined,
    read(raw) {
      if (raw === undefined || raw.trim() === "") {
        if (hasDefault) {
          return { ok: true, value: opts.default as T };
        }
        if (optional) {
          return { ok: true, value: undefined as T };
        }
        return { ok: false, problem: "required but not set" };
      }
      const value = spec.parse(raw.trim());
      if (value === undefined) {
        const got = opts?.secret === true ? "(value hidden)" : JSON.stringify(raw);
        return { ok: false, problem: `expected ${spec.expected}, got ${got}` };
      }
      return { ok: true, value };
    },
  };
}

/** Describes an accepted numeric range, for example "an integer between 0 and 65535". */
export function rangeText(noun: string, min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) {
    return `${noun} between ${min} and ${max}`;
  }
  if (min !== undefined) {
    return `${noun} >= ${min}`;
  }
  if (max !== undefined) {
    return `${noun} <= ${max}`;
  }
  return noun;
}

/** Tells whether `value` lies within the optional inclusive bounds. */
export function inRange(value: number, min: number | undefined, max: number | undefined): boolean {
  return (min === undefined || value >= min) && (max === undefined || value <= max);
}

/** Options for {@link str}. */
export interface StrOptions extends CommonOptions<string> {
  /** Fewest characters accepted (secrets). */
  minLength?: number;
}

/** Declares a string variable; any non-blank value is accepted as is (trimmed). */
export function str(variable: string, opts: StrOptions & OptionalMarker): Field<string | undefined>;
export function str(variable: string, opts?: StrOptions): Field<string>;
export function str(variable: string, opts?: StrOptions): Field<string | undefined> {
  const min = opts?.minLength ?? 0;
  return makeField(variable, opts, {
    expected: min > 0 ? `a string of at least ${min} characters` : "a string",
    parse: (t) => (t.length >= min ? t : undefined),
    format: (v) => v,
  });
}

/** Options for {@link int}. */
export interface IntOptions extends CommonOptions<number> {
  /** Smallest accepted value (inclusive). */
  min?: number;
  /** Largest accepted value (inclusive). */
  max?: number;
}

/** Declares an integer variable, optionally bounded by `min` and `max`. */
export function int(variable: string, opts: IntOptions & OptionalMarker): Field<number | undefined>;
export function int(variable: string, opts?: IntOptions): Field<number>;
export function int(variable: string, opts?: IntOptions): Field<number | undefined> {
  return makeField(variable, opts, {
    expected: rangeText("an integer", opts?.min, opts?.max),
    parse: (text) => {
      if (!/^[+-]?\d+$/.test(text)) {
        return undefined;
      }
      const value = Number(text);
      return Number.isSafeInteger(value) && inRange(value, opts?.min, opts?.max)
        ? value
        : undefined;
    },
    format: String,
  });
}

const truthy = new Set(["true", "1", "yes", "on"]);
const falsy = new Set(["false", "0", "no", "off"]);

/** Options for {@link bool}. */
export type BoolOptions = CommonOptions<boolean>;

/** Declares a boolean variable: `true/false`, `1/0`, `yes/no` or `on/off` (any case). */
export function bool(
  variable: string,
  opts: BoolOptions & OptionalMarker,
): Field<boolean | undefined>;
export function bool(variable: string, opts?: BoolOptions): Field<boolean>;
export function bool(variable: string, opts?: BoolOptions): Field<boolean | undefined> {
  return makeField(variable, opts, {
    expected: "a boolean (true/false, 1/0, yes/no, on/off)",
    parse: (text) => {
      const lower = text.toLowerCase();
      return truthy.has(lower) ? true : falsy.has(lower) ? false : undefined;
    },
    format: String,
  });
}

/** Options for {@link url}. */
export interface UrlOptions extends CommonOptions<string> {
  /** Accepted schemes including the colon, for example `["postgres:", "postgresql:"]`. */
  protocols?: readonly string[];
}

/** Declares an absolute URL variable; the value is the URL text as given, checked to parse. */
export function url(variable: string, opts: UrlOptions & OptionalMarker): Field<string | undefined>;
export function url(variable: string, opts?: UrlOptions): Field<string>;
export function url(variable: string, opts?: UrlOptions): Field<string | undefined> {
  const protocols = opts?.protocols;
  return makeField(variable, opts, {
    expected:
      protocols === undefined
        ? "an absolute URL"
        : `an absolute URL with scheme ${protocols.map((p) => p.replace(/:$/, "")).join(" or ")}`,
    parse: (text) => {
      let parsed: URL;
      try {
        parsed = new URL(text);
      } catch {
        return undefined;
      }
      return protocols === undefined || protocols.includes(parsed.protocol) ? text : undefined;
    },
    format: (v) => v,
  });
}

/** Declares a variable restricted to a fixed set of string values (case-sensitive). */
export function oneOf<const V extends readonly string[]>(
  variable: string,
  values: V,
  opts: CommonOptions<V[number]> & OptionalMarker,
): Field<V[number] | undefined>;
export function oneOf<const V extends readonly string[]>(
  variable: string,
  values: V,
  opts?: CommonOptions<V[number]>,
): Field<V[number]>;
export function oneOf<const V extends readonly string[]>(
  variable: string,
  values: V,
  opts?: CommonOptions<V[number]>,
): Field<V[number] | undefined> {
  return makeField<V[number]>(variable, opts, {
    expected: `one of ${values.join(", ")}`,
    parse: (text) => values.find((v) => v === text),
    format: (v) => v,
  });
}
