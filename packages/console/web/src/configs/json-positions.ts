/** A span of the text: `from` inclusive, `to` exclusive (character offsets). */
export interface Span {
  readonly from: number;
  readonly to: number;
}

/** Where each value of a JSON text is, by JSON pointer (RFC 6901). */
export type PointerSpans = ReadonlyMap<string, Span>;

/** A JSON syntax error at an offset of the text. */
export class JsonSyntaxError extends Error {
  override readonly name = "JsonSyntaxError";
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const scalar = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

const escapeToken = (token: string) => token.replace(/~/g, "~0").replace(/\//g, "~1");

/**
 * Scans a JSON text and returns, for every value, the span to mark when a violation points at
 * it: a scalar's own text, or for an object or array the name of its member (its opening
 * bracket at the top level or in an array). Throws {@link JsonSyntaxError} where the text stops
 * being JSON.
 */
export function spansOf(text: string): PointerSpans {
  const spans = new Map<string, Span>();
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(i >= text.length ? `Unexpected end of the text: ${what}` : what, i);
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail("A control character must be escaped in a string");
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail("Bad \\u escape");
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? "x")) fail("Bad escape in a string");
      }
      i++;
    }
    if (i >= text.length) fail("A string is not closed");
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (pointer: string, label: Span | undefined): void => {
    space();
    const start = i;
    const c = text[i];
    if (c === "{" || c === "[") {
      spans.set(pointer, label ?? { from: start, to: start + 1 });
      i++;
      space();
      const close = c === "{" ? "}" : "]";
      if (text[i] === close) {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        if (c === "{") {
          space();
          if (text[i] !== '"') fail("Expected a double-quoted member name");
          const keyStart = i;
          const key = string();
          const keySpan = { from: keyStart, to: i };
          space();
          if (text[i] !== ":") fail("Expected ':' after a member name");
          i++;
          value(`${pointer}/${escapeToken(key)}`, keySpan);
        } else {
          value(`${pointer}/${index}`, undefined);
        }
        space();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === close) {
          i++;
          return;
        }
        fail(`Expected ',' or '${close}'`);
      }
    }
    if (c === '"') string();
    else {
      scalar.lastIndex = i;
      if (!scalar.test(text)) fail("Expected a JSON value");
      i = scalar.lastIndex;
    }
    spans.set(pointer, { from: start, to: i });
  };
  value("", undefined);
  space();
  if (i < text.length) fail("Unexpected text after the JSON value");
  return spans;
}

/**
 * The span for a pointer: its own, or that of the nearest enclosing value that exists (a
 * missing required member points at its parent object).
 */
export function spanAt(spans: PointerSpans, pointer: string): Span | undefined {
  let p = pointer;
  for (;;) {
    const span = spans.get(p);
    if (span !== undefined) return span;
    if (p === "") return undefined;
    p = p.slice(0, Math.max(0, p.lastIndexOf("/")));
  }
}

/** The 1-based line and column of an offset, for messages. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}
