import type { ConfigViolations, Violation } from "@guardian/api";

/** Where a violation points: its JSON pointer, or "(document)" for the whole document. */
export function pointerOf(v: Violation): string {
  return v.pointer === "" ? "(document)" : v.pointer;
}

/** One line per violation: `  at /limits/max: must be <= 100 (maximum)`, indented by `indent`. */
export function violationLines(violations: readonly Violation[], indent = "  "): string[] {
  return violations.map(
    (v) => `${indent}at ${pointerOf(v)}: ${v.message}${v.keyword ? ` (${v.keyword})` : ""}`,
  );
}

/** Lint warnings about a schema document, with the pointers into the schema they name. */
export function warningLines(warnings: readonly Violation[]): string[] {
  return warnings.map(
    (w) => `warning at ${pointerOf(w)}: ${w.message}${w.keyword ? ` (${w.keyword})` : ""}`,
  );
}

/** The configs a schema version breaks, each with its key, version and violations. */
export function breakingLines(configs: readonly ConfigViolations[]): string[] {
  return configs.flatMap((c) => [
    `  config ${c.key} (version ${c.version}):`,
    ...violationLines(c.violations, "    "),
  ]);
}
