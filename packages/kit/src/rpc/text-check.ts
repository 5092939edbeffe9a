import { ScalarType, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { Duration, ListValue, Struct, Timestamp, Value } from "@bufbuild/protobuf/wkt";
import { isReflectMessage, reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import type { Interceptor } from "@connectrpc/connect";
import { invalidArgument, type FieldViolationInit } from "../errors/bad-request.js";
import { isTextChecked } from "../offload/predecoded.js";
import { textProblem } from "./text.js";
import { durationProblem, timestampProblem } from "./time-range.js";

/** The most violations one error lists; the walk stops there. */
const maxViolations = 10;

/**
 * Where a value sits in the request, built into a field path only when a violation is found:
 * a request holding a large JSON document is walked without making a string per member.
 */
interface PathNode {
  up: PathNode | undefined;
  /** A proto field name, a list index, or a map key / JSON member name. */
  seg: string | number;
  /** Map keys and JSON members render as `["key"]`, list items as `[i]`, fields as `.name`. */
  kind: "field" | "index" | "key";
}

function render(node: PathNode | undefined): string {
  const parts: string[] = [];
  for (let n = node; n; n = n.up) {
    if (n.kind === "index") parts.push(`[${n.seg}]`);
    else if (n.kind === "key") parts.push(`[${JSON.stringify(n.seg)}]`);
    else parts.push(n.up ? `.${n.seg}` : String(n.seg));
  }
  return parts.reverse().join("");
}

type Work =
  | { kind: "message"; msg: ReflectMessage; at: PathNode | undefined }
  | { kind: "value"; value: Value; at: PathNode | undefined }
  | { kind: "struct"; struct: Struct; at: PathNode | undefined }
  | { kind: "json"; json: unknown; at: PathNode | undefined };

/**
 * A singular google.protobuf.Struct field's value as the message holds it: a plain JSON
 * object (protobuf-es's local form). Reading it through reflection would first rebuild it
 * as a tree of Value messages, costly for a large document.
 */
function localStruct(msg: ReflectMessage, field: DescField): unknown {
  if (field.fieldKind !== "message" || field.message.typeName !== "google.protobuf.Struct") {
    return undefined;
  }
  const raw = msg.message as unknown as Record<string, unknown>;
  if (field.oneof) {
    const group = raw[field.oneof.localName] as { case?: string; value?: unknown };
    return group.case === field.localName ? group.value : undefined;
  }
  return raw[field.localName];
}

/**
 * Finds every string in a message that PostgreSQL text or jsonb cannot store faithfully
 * (U+0000, lone surrogates): fields, repeated fields, map keys and values, nested messages
 * and the JSON held in google.protobuf.Value, Struct and ListValue. Each violation names the
 * field path: proto field names joined by ".", `[i]` for list items and `["key"]` for map
 * entries and JSON object members (`content["a"][0]`). Bytes fields are not text and are
 * skipped. JSON content is walked as plain data, without reflection, since it can be large.
 * A google.protobuf.Timestamp or Duration outside the range its definition allows is a
 * violation too (`time-range.ts`): the binary protocols carry any number in them.
 */
export function findTextProblems(schema: DescMessage, message: Message): FieldViolationInit[] {
  return walkText(schema, message).problems;
}

/** {@link findTextProblems}, also saying how many values the walk visited. */
function walkText(
  schema: DescMessage,
  message: Message,
): { problems: FieldViolationInit[]; visited: number } {
  const out: FieldViolationInit[] = [];
  let visited = 0;
  const check = (value: string, at: PathNode | undefined, what = "") => {
    const problem = textProblem(value);
    if (problem && out.length < maxViolations) {
      out.push({ field: render(at), description: what + problem });
    }
  };
  const invalid = (problem: string | undefined, at: PathNode) => {
    if (problem && out.length < maxViolations)
      out.push({ field: render(at), description: problem });
  };
  // An explicit stack: deeply nested JSON content must not exhaust the call stack.
  const stack: Work[] = [{ kind: "message", msg: reflect(schema, message), at: undefined }];
  const pushMessage = (value: unknown, at: PathNode) => {
    if (!isReflectMessage(value)) return;
    switch (value.desc.typeName) {
      case "google.protobuf.Value":
        stack.push({ kind: "value", value: value.message as Value, at });
        break;
      case "google.protobuf.Struct":
        stack.push({ kind: "struct", struct: value.message as Struct, at });
        break;
      case "google.protobuf.ListValue":
        pushList(value.message as ListValue, at);
        break;
      case "google.protobuf.Timestamp":
        invalid(timestampProblem(value.message as Timestamp), at);
        break;
      case "google.protobuf.Duration":
        invalid(durationProblem(value.message as Duration), at);
        break;
      default:
        stack.push({ kind: "message", msg: value, at });
    }
  };
  const pushList = (list: ListValue, at: PathNode | undefined) => {
    list.values.forEach((value, i) =>
      stack.push({ kind: "value", value, at: { up: at, seg: i, kind: "index" } }),
    );
  };
  while (stack.length > 0 && out.length < maxViolations) {
    const work = stack.pop()!;
    visited += 1;
    if (work.kind === "value") {
      // A document a decoding thread already checked (its Value is built only on demand).
      if (isTextChecked(work.value)) continue;
      const { kind } = work.value;
      if (kind.case === "stringValue") check(kind.value, work.at);
      else if (kind.case === "structValue")
        stack.push({ kind: "struct", struct: kind.value, at: work.at });
      else if (kind.case === "listValue") pushList(kind.value, work.at);
      continue;
    }
    if (work.kind === "json") {
      const { json, at } = work;
      if (typeof json === "string") check(json, at);
      else if (Array.isArray(json)) {
        json.forEach((item, i) =>
          stack.push({ kind: "json", json: item, at: { up: at, seg: i, kind: "index" } }),
        );
      } else if (json !== null && typeof json === "object") {
        // Own members only: a decoder that turned a "__proto__" member into the object's
        // prototype must not make its members look like the document's.
        for (const key of Object.keys(json)) {
          check(key, at, "keys ");
          stack.push({
            kind: "json",
            json: (json as Record<string, unknown>)[key],
            at: { up: at, seg: key, kind: "key" },
          });
        }
      }
      continue;
    }
    if (work.kind === "struct") {
      const fields = work.struct.fields;
      for (const key of Object.keys(fields)) {
        check(key, work.at, "keys ");
        stack.push({
          kind: "value",
          value: fields[key]!,
          at: { up: work.at, seg: key, kind: "key" },
        });
      }
      continue;
    }
    const { msg, at } = work;
    for (const field of msg.fields) {
      if (!msg.isSet(field)) continue;
      const here: PathNode = { up: at, seg: field.name, kind: "field" };
      switch (field.fieldKind) {
        case "scalar":
          if (field.scalar === ScalarType.STRING) check(msg.get(field) as string, here);
          break;
        case "message": {
          const struct = localStruct(msg, field);
          if (struct !== null && typeof struct === "object" && !("$typeName" in struct)) {
            if (!isTextChecked(struct)) stack.push({ kind: "json", json: struct, at: here });
          } else pushMessage(msg.get(field), here);
          break;
        }
        case "list": {
          let i = 0;
          for (const item of msg.get(field)) {
            const entry: PathNode = { up: here, seg: i, kind: "index" };
            if (typeof item === "string") check(item, entry);
            else pushMessage(item, entry);
            i += 1;
          }
          break;
        }
        case "map":
          for (const [key, value] of msg.get(field)) {
            const entry: PathNode = { up: here, seg: String(key), kind: "key" };
            if (typeof key === "string") check(key, here, "keys ");
            if (typeof value === "string") check(value, entry);
            else pushMessage(value, entry);
          }
          break;
        default:
          break;
      }
    }
  }
  return { problems: out, visited };
}

/** Past this many values, a request is large enough that its decoding held the event loop. */
const largeMessage = 10_000;

/**
 * The string fields of a message type made only of plain scalars outside oneofs (most
 * requests of reads), or null for any other type: such a message is checked by reading its
 * string properties, without reflection.
 */
const flatStringFields = new WeakMap<DescMessage, readonly DescField[] | null>();

function flatStrings(schema: DescMessage): readonly DescField[] | null {
  let fields = flatStringFields.get(schema);
  if (fields === undefined) {
    const flat = schema.fields.every(
      (f) => (f.fieldKind === "scalar" || f.fieldKind === "enum") && f.oneof === undefined,
    );
    fields = flat
      ? schema.fields.filter((f) => f.fieldKind === "scalar" && f.scalar === ScalarType.STRING)
      : null;
    flatStringFields.set(schema, fields);
  }
  return fields;
}

/** {@link walkText} for a flat message (see {@link flatStrings}): the same problems. */
function flatProblems(fields: readonly DescField[], message: Message): FieldViolationInit[] {
  let out: FieldViolationInit[] | undefined;
  for (const field of fields) {
    const value = (message as unknown as Record<string, unknown>)[field.localName];
    if (typeof value !== "string") continue;
    const problem = textProblem(value);
    if (problem === undefined) continue;
    out ??= [];
    if (out.length < maxViolations) out.push({ field: field.name, description: problem });
  }
  return out ?? noProblems;
}

const noProblems: FieldViolationInit[] = [];

function refuseFlat(fields: readonly DescField[], message: Message): void {
  const problems = flatProblems(fields, message);
  if (problems.length > 0) throw invalidArgument(problems);
}

async function refuseBadText(schema: DescMessage, message: Message): Promise<void> {
  const flat = flatStrings(schema);
  if (flat !== null) {
    refuseFlat(flat, message);
    return;
  }
  const { problems, visited } = walkText(schema, message);
  if (problems.length > 0) throw invalidArgument(problems);
  // Decoding a large message and walking it ran in one stretch; let calls waiting for the
  // event loop (health checks, small reads) go before the handler's own stretch of work.
  if (visited > largeMessage) await yieldToIo();
}

/**
 * Resolves after the event loop has polled for I/O once. The request was decoded in the poll
 * phase, so one setImmediate would run in the check phase right after it, before any other
 * socket is read; the second lands after the next poll.
 */
function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/**
 * Creates the interceptor that refuses, with InvalidArgument naming each field path, any
 * request message holding a string PostgreSQL cannot store, or a Timestamp or Duration out of
 * range (see {@link findTextProblems}).
 * It runs before authentication and every handler, so nothing — not even an audit event —
 * is written for such a request. Streamed requests are checked message by message.
 */
export function createTextCheckInterceptor(): Interceptor {
  return (next) => (req) => {
    const schema = req.method.input;
    if (!req.stream) {
      const flat = flatStrings(schema);
      if (flat === null) return refuseBadText(schema, req.message).then(() => next(req));
      // A flat message is checked synchronously: no promise of this interceptor's own.
      try {
        refuseFlat(flat, req.message);
      } catch (err) {
        return Promise.reject(err as Error);
      }
      return next(req);
    }
    const messages = req.message;
    return next({
      ...req,
      message: (async function* () {
        for await (const m of messages) {
          await refuseBadText(schema, m);
          yield m;
        }
      })(),
    });
  };
}
