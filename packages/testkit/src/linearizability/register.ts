import type { Model } from "./model.js";

/**
 * An operation on a versioned register (a config): read it, write it, or compare-and-set
 * it from an expected version. The register's version is assigned by the system on each
 * write and grows strictly (a config's version is the store revision of its last write).
 */
export type RegisterInput =
  | { readonly kind: "read" }
  | {
      readonly kind: "write";
      readonly value: string;
      /** For a write whose outcome is unknown: the version it got, when known from elsewhere. */
      readonly version?: bigint;
    }
  | {
      readonly kind: "cas";
      readonly expected: bigint;
      readonly value: string;
      /** As for `write`: the version an unknown-outcome write got, when known. */
      readonly version?: bigint;
    };

/** What a register operation answered. */
export type RegisterOutput =
  | { readonly kind: "read"; readonly version: bigint; readonly value: string }
  | { readonly kind: "written"; readonly version: bigint }
  /** A compare-and-set refused; `current` is the version the refusal reported, if any. */
  | { readonly kind: "conflict"; readonly current?: bigint };

/** A register's state: its version and value. */
export interface RegisterState {
  readonly version: bigint;
  readonly value: string;
}

/**
 * The sequential specification of a versioned register holding `initial` per partition.
 *
 * A read returns the current version and value. A write sets a new, higher version. A
 * compare-and-set succeeds exactly when the expected version is the current one; when it
 * is refused, the version it reports must be the current one. A write of unknown outcome,
 * if it happens, sets its value with the version it is known to have got. One whose
 * version is not known cannot be observed by any later operation (each names a version),
 * so it is never placed before one: the checker leaves it to the end, where it changes
 * nothing.
 */
export function versionedRegister(
  initial: (partition: string) => RegisterState,
): Model<RegisterState, RegisterInput, RegisterOutput> {
  const apply = (
    state: RegisterState,
    value: string,
    version: bigint | undefined,
  ): RegisterState | undefined => {
    if (version === undefined || version <= state.version) return undefined;
    return { version, value };
  };
  return {
    init: initial,
    step(state, input, output) {
      switch (input.kind) {
        case "read":
          if (output === undefined) return state;
          if (output.kind !== "read") return undefined;
          return output.version === state.version && output.value === state.value
            ? state
            : undefined;
        case "write":
          if (output === undefined) return apply(state, input.value, input.version);
          return output.kind === "written" ? apply(state, input.value, output.version) : undefined;
        case "cas": {
          const matches = input.expected === state.version;
          if (output === undefined) {
            return matches ? apply(state, input.value, input.version) : state;
          }
          if (output.kind === "written") {
            return matches ? apply(state, input.value, output.version) : undefined;
          }
          if (output.kind !== "conflict" || matches) return undefined;
          return output.current === undefined || output.current === state.version
            ? state
            : undefined;
        }
      }
    },
    inFlight(input, output) {
      // A write in flight may already have taken effect, with the version it got.
      return input.kind !== "read" && output.kind === "written"
        ? { ...input, version: output.version }
        : input;
    },
    key: (state) => `${state.version}:${state.value}`,
    describe: describeRegisterOperation,
  };
}

/** One line naming a register operation and its outcome. */
export function describeRegisterOperation(
  input: RegisterInput,
  output: RegisterOutput | undefined,
): string {
  const call =
    input.kind === "read"
      ? "read()"
      : input.kind === "write"
        ? `write(${JSON.stringify(input.value)})`
        : `cas(v${input.expected} -> ${JSON.stringify(input.value)})`;
  const known =
    input.kind !== "read" && input.version !== undefined ? `, got v${input.version}` : "";
  if (output === undefined) return `${call} -> unknown outcome${known}`;
  switch (output.kind) {
    case "read":
      return `${call} -> v${output.version} ${JSON.stringify(output.value)}`;
    case "written":
      return `${call} -> ok v${output.version}`;
    case "conflict":
      return `${call} -> conflict${output.current === undefined ? "" : `, current v${output.current}`}`;
  }
}
