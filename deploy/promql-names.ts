/**
 * Reads the metric names out of PromQL expressions, and the metric names a Prometheus text
 * exposition offers, so that a test can check every expression against real metrics.
 */

/** Words of PromQL that are neither metrics nor functions. */
const keywords = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "atan2",
  "inf",
  "nan",
]);

/** Clauses whose parenthesized list holds label names, not expressions. */
const labelListClause = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g;

/**
 * Returns the metric names an expression selects: identifiers not followed by `(` (those are
 * functions and aggregations), with string literals, label matchers (`{...}`), ranges and
 * subqueries (`[...]`), label lists (`by (...)` and the like), numbers, durations and Grafana
 * variables (`$__rate_interval`) left out. Throws on a `{` or `[` that is never closed.
 */
export function metricNamesOf(expr: string): string[] {
  let text = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/#[^\n]*/g, " ");
  text = stripBracketed(text, "{", "}");
  text = stripBracketed(text, "[", "]");
  text = text.replace(labelListClause, " ");
  const names = new Set<string>();
  const token =
    /\$\{?\w+\}?|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:ms|[smhdwy])*|0x[0-9a-fA-F]+|([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g;
  for (const m of text.matchAll(token)) {
    const word = m[1];
    if (word === undefined || m[2] !== undefined || keywords.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names].sort();
}

function stripBracketed(text: string, open: string, close: string): string {
  let out = "";
  let depth = 0;
  for (const ch of text) {
    if (ch === open) depth += 1;
    else if (ch === close) {
      if (depth === 0) throw new Error(`unbalanced ${close} in ${text}`);
      depth -= 1;
    } else if (depth === 0) out += ch;
  }
  if (depth !== 0) throw new Error(`unclosed ${open} in ${text}`);
  return out;
}

/** One metric family of a Prometheus text exposition. */
export interface ExposedMetric {
  readonly name: string;
  readonly type: string;
  readonly help: string;
}

/** Reads the metric families (`# TYPE` and `# HELP` lines) of a Prometheus text exposition. */
export function exposedMetrics(text: string): ExposedMetric[] {
  const help = new Map<string, string>();
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === "HELP") help.set(m[2]!, m[3]!);
    else types.set(m[2]!, m[3]!);
  }
  return [...types].map(([name, type]) => ({ name, type, help: help.get(name) ?? "" }));
}

/** The series names a family offers: a histogram's `_bucket`, `_sum` and `_count` among them. */
export function seriesNamesOf(metric: ExposedMetric): string[] {
  const { name, type } = metric;
  if (type === "histogram") return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === "summary") return [name, `${name}_sum`, `${name}_count`];
  return [name];
}
