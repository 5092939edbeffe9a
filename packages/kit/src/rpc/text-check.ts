import { ScalarType, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { isReflectMessage, reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import type { Interceptor } from "@connectrpc/connect";
import { invalidArgument, type FieldViolationInit } from "../errors/bad-request.js";
import { textProblem } from "./text.js";

/** The most violations one error lists; the walk stops there. */
const maxViolations = 10;

/** JSON-shaped well-known types: their paths read like the JSON they hold. */
const jsonTypes = new Set([
  "google.protobuf.Value",
  "google.protobuf.Struct",
  "google.protobuf.ListValue",
]);

function fieldPath(parent: DescMessage, field: DescField, path: string): string {
  if (jsonTypes.has(parent.typeName)) return path;
  return path === "" ? field.name : `${path}.${field.name}`;
}

/**
 * Finds every string in a message that PostgreSQL text or jsonb cannot store faithfully
 * (U+0000, lone surrogates): fields, repeated fields, map keys and values, nested messages
 * and the JSON held in google.protobuf.Value and Struct. Each violation names the field
 * path: proto field names joined by ".", `[i]` for list items and `["key"]` for map entries
 * and JSON object members (`content["a"][0]`). Bytes fields are not text and are skipped.
 */
export function findTextProblems(schema: DescMessage, message: Message): FieldViolationInit[] {
  const out: FieldViolationInit[] = [];
  const check = (value: unknown, path: string, what = "") => {
    if (typeof value !== "string" || out.length >= maxViolations) return;
    const problem = textProblem(value);
    if (problem) out.push({ field: path, description: what + problem });
  };
  // An explicit stack: deeply nested JSON content must not exhaust the call stack.
  const stack: Array<{ msg: ReflectMessage; path: string }> = [
    { msg: reflect(schema, message), path: "" },
  ];
  const push = (value: unknown, path: string) => {
    if (isReflectMessage(value)) stack.push({ msg: value, path });
  };
  while (stack.length > 0 && out.length < maxViolations) {
    const { msg, path } = stack.pop()!;
    for (const field of msg.fields) {
      if (!msg.isSet(field)) continue;
      const p = fieldPath(msg.desc, field, path);
      switch (field.fieldKind) {
        case "scalar":
          if (field.scalar === ScalarType.STRING) check(msg.get(field), p);
          break;
        case "message":
          push(msg.get(field), p);
          break;
        case "list": {
          let i = 0;
          for (const item of msg.get(field)) {
            check(item, `${p}[${i}]`);
            push(item, `${p}[${i}]`);
            i += 1;
          }
          break;
        }
        case "map":
          for (const [key, value] of msg.get(field)) {
            const entry = `${p}[${JSON.stringify(key)}]`;
            check(key, p, "keys ");
            check(value, entry);
            push(value, entry);
          }
          break;
        default:
          break;
      }
    }
  }
  return out;
}

function refuseBadText(schema: DescMessage, message: Message): void {
  const violations = findTextProblems(schema, message);
  if (violations.length > 0) throw invalidArgument(violations);
}

/**
 * Creates the interceptor that refuses, with InvalidArgument naming each field path, any
 * request message holding a string PostgreSQL cannot store (see {@link findTextProblems}).
 * It runs before authentication and every handler, so nothing — not even an audit event —
 * is written for such a request. Streamed requests are checked message by message.
 */
export function createTextCheckInterceptor(): Interceptor {
  return (next) => async (req) => {
    const schema = req.method.input;
    if (!req.stream) {
      refuseBadText(schema, req.message);
      return next(req);
    }
    const messages = req.message;
    return next({
      ...req,
      message: (async function* () {
        for await (const m of messages) {
          refuseBadText(schema, m);
          yield m;
        }
      })(),
    });
  };
}
