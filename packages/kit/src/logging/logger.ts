import { createContextKey } from "@connectrpc/connect";
import { pino } from "pino";
import type { DestinationStream, Logger } from "pino";
import { traceFields } from "../tracing/spans.js";

export type { Logger } from "pino";

/** Log levels a Guardian process accepts in its configuration. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** The lowest level written. */
  level: LogLevel;
  /** Added to every line as `name`, usually the service or process name. */
  name?: string;
  /** Write compact single-line text instead of JSON (for a developer's terminal). */
  pretty?: boolean;
  /** Where lines go; defaults to stdout. Tests pass a collecting stream. */
  destination?: DestinationStream;
}

/**
 * Creates the process logger: pino writing JSON lines to stdout, or compact text when `pretty`.
 *
 * Errors logged under the `err` key are serialized with their stack and `cause` chain. A line
 * written inside a span carries its `trace_id` and `span_id` (with tracing on).
 */
export function createLogger(opts: LoggerOptions): Logger {
  const destination =
    opts.destination ?? (opts.pretty === true ? createPrettyStream(process.stdout) : undefined);
  const options = {
    level: opts.level,
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceFields,
    ...(opts.name === undefined ? {} : { name: opts.name }),
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

const levelNames: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

const omitted = new Set(["level", "time", "msg", "pid", "hostname", "name"]);

/**
 * Creates a pino destination that rewrites each JSON line as `time LEVEL name: msg key=value ...`.
 *
 * It is for reading logs in a terminal; it never throws on a line it cannot parse.
 */
export function createPrettyStream(out: { write(text: string): unknown }): DestinationStream {
  return {
    write(line: string) {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const time = typeof rec.time === "string" ? rec.time.slice(11, 23) : "";
      const level = levelNames[Number(rec.level)] ?? String(rec.level);
      const name = typeof rec.name === "string" ? ` ${rec.name}:` : "";
      const fields = Object.entries(rec)
        .filter(([k]) => !omitted.has(k) && k !== "err")
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
      const head = `${time} ${level.padEnd(5)}${name} ${String(rec.msg ?? "")} ${fields.join(" ")}`;
      out.write(`${head.trimEnd()}${formatErr(rec.err)}\n`);
    },
  };
}

function formatErr(err: unknown): string {
  if (typeof err !== "object" || err === null) {
    return "";
  }
  const stack = (err as { stack?: unknown }).stack;
  const text = typeof stack === "string" ? stack : JSON.stringify(err);
  return `\n    ${text.split("\n").join("\n    ")}`;
}

/** Context key holding the request id of the current RPC (empty outside a request). */
export const requestIdKey = createContextKey<string>("", { description: "guardian request id" });

/**
 * Context key holding a child logger bound to the current request id.
 *
 * Its default is a silent logger, so code running outside a server (tests, scripts) can log freely.
 */
export const loggerKey = createContextKey<Logger>(pino({ level: "silent" }), {
  description: "guardian request logger",
});

/** Context key holding the peer address of the connection a call arrived on ("" if unknown). */
export const remoteAddressKey = createContextKey<string>("", {
  description: "guardian remote address",
});
