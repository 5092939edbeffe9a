import { toJsonString, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { ConnectError } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import {
  BadRequestSchema,
  BreakingConfigsSchema,
  LimitExceededSchema,
  ValidationFailureSchema,
  VersionConflictSchema,
} from "@guardian/api";
import { pointerOf } from "./violations.js";

/** Where a command writes; tests give their own. */
export interface Output {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

const processOutput: Output = { stdout: process.stdout, stderr: process.stderr };

/** Prints a message as its proto JSON (the `-o json` format), two-space indented. */
export function printMessage<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  out: Output = processOutput,
): void {
  out.stdout.write(`${toJsonString(schema, message, { prettySpaces: 2 })}\n`);
}

/** Prints any JSON value, two-space indented. */
export function printJson(value: unknown, out: Output = processOutput): void {
  out.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Whether to colour output: only on a terminal, and never with NO_COLOR set. */
function colour(out: Output): boolean {
  return out.stdout.isTTY === true && !process.env.NO_COLOR;
}

/**
 * Prints rows as a table with a header, columns padded to their widest cell; the header is
 * bold on a terminal. An empty table prints the header only.
 */
export function printTable(
  headers: string[],
  rows: readonly (readonly string[])[],
  out: Output = processOutput,
): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const head = line(headers.map((h) => h.toUpperCase()));
  out.stdout.write(`${colour(out) ? `\u001b[1m${head}\u001b[0m` : head}\n`);
  for (const row of rows) out.stdout.write(`${line(row)}\n`);
}

/**
 * Prints a failed call on stderr: the Connect code, the message, then what the error's
 * details name (each field at fault, each JSON pointer that failed validation, the current
 * version of a conflict, the limit that was hit).
 */
export function printError(err: ConnectError, out: Output = processOutput): void {
  const lines = [`guardian: ${Code[err.code]}: ${err.rawMessage}`];
  for (const bad of err.findDetails(BadRequestSchema)) {
    for (const v of bad.fieldViolations) lines.push(`  field ${v.field}: ${v.description}`);
  }
  for (const failure of err.findDetails(ValidationFailureSchema)) {
    for (const v of failure.violations) {
      lines.push(`  at ${pointerOf(v)}: ${v.message}`);
    }
    if (failure.truncated) lines.push("  (more violations not shown)");
  }
  for (const breaking of err.findDetails(BreakingConfigsSchema)) {
    lines.push(`  ${breaking.totalCount} config(s) would no longer validate:`);
    for (const c of breaking.configs) {
      lines.push(`  config ${c.key} (version ${c.version}):`);
      for (const v of c.violations) {
        lines.push(`    at ${pointerOf(v)}: ${v.message}`);
      }
    }
  }
  for (const conflict of err.findDetails(VersionConflictSchema)) {
    lines.push(`  current version: ${conflict.currentVersion}`);
  }
  for (const limit of err.findDetails(LimitExceededSchema)) {
    lines.push(`  limit ${limit.limit}: at most ${limit.max}, got ${limit.actual}`);
  }
  out.stderr.write(`${lines.join("\n")}\n`);
}

/** Formats a protobuf timestamp-like value for a table cell. */
export function when(ts: { seconds: bigint; nanos: number } | undefined): string {
  if (!ts) return "";
  return new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6)).toISOString();
}
