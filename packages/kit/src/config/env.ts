import type { Field } from "./fields.js";

/** A map from config keys to the fields that read them. */
export type ConfigSpec = Record<string, Field<unknown>>;

/** The typed configuration object that {@link readConfig} returns for a spec. */
export type ConfigOf<S extends ConfigSpec> = {
  readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never;
};

/** One variable that could not be read, and why. */
export interface ConfigProblem {
  readonly variable: string;
  readonly problem: string;
}

/** Thrown by {@link readConfig} when any variable is missing or malformed; lists every problem. */
export class ConfigError extends Error {
  /** Every problem found, in spec order. */
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      [
        `invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):`,
        ...problems.map((p) => `  ${p.variable}: ${p.problem}`),
      ].join("\n"),
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/**
 * Reads and validates a typed configuration from environment variables.
 *
 * Every field is read; if any is missing or malformed, one {@link ConfigError} names all of them.
 * Blank values count as unset.
 *
 * @example
 * const cfg = readConfig(process.env, {
 *   port: int("GUARDIAN_PORT", { default: 8080, min: 0, max: 65535 }),
 *   endpoints: list("ETCD_ENDPOINTS", { optional: true }),
 * });
 */
export function readConfig<S extends ConfigSpec>(
  env: Readonly<Record<string, string | undefined>>,
  spec: S,
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [key, field] of Object.entries(spec)) {
    const result = field.read(env[field.variable]);
    if (result.ok) {
      out[key] = result.value;
    } else {
      problems.push({ variable: field.variable, problem: result.problem });
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return out as ConfigOf<S>;
}

/**
 * The settings of `spec` as a library takes them: each one given (and not undefined) as it
 * is, every other at its default, so that defaults live only in the spec. Throws a
 * ConfigError when a setting without a default is missing.
 */
export function configWithDefaults<S extends ConfigSpec>(
  spec: S,
  given: Partial<ConfigOf<S>> = {},
): ConfigOf<S> {
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  return { ...readConfig({}, spec), ...defined };
}

/** One entry of {@link describeConfig}: a variable the process reads. */
export interface ConfigVariable {
  /** The environment variable name. */
  readonly name: string;
  /** True when the process refuses to start without it. */
  readonly required: boolean;
  /** The default, written as it would be in the environment. */
  readonly default: string | undefined;
  /** What the variable is for. */
  readonly description: string | undefined;
}

/**
 * Lists the environment variables a spec reads, with defaults and descriptions.
 *
 * Used by docs and by tests that check deploy files only set variables some service reads.
 */
export function describeConfig(spec: ConfigSpec): ConfigVariable[] {
  return Object.values(spec).map((field) => ({
    name: field.variable,
    required: field.required,
    default: field.defaultText,
    description: field.description,
  }));
}

/**
 * Runs `fn` and, if it throws a {@link ConfigError}, prints the message to stderr and exits with 2.
 *
 * Other errors are rethrown unchanged.
 */
export function exitOnConfigError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
