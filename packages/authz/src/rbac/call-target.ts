import { ScalarType, type DescMethod, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { Access } from "@guardian/api";
import { invalidArgument } from "@guardian/kit";
import type { CallTarget } from "./decide.js";

type Reader = (message: Message) => string[];

const readers = new WeakMap<DescMessage, Map<string, Reader>>();
const none: Reader = () => [];

/**
 * Returns a reader of the values of one key field of a message type by its proto name, made
 * once per type and field: a top-level string field (a oneof member too), or "list.field",
 * a string field of every message of a top-level repeated message field. It reads the
 * properties themselves, without reflection, and returns the values that are set.
 */
function readerOf(schema: DescMessage, name: string): Reader {
  let byName = readers.get(schema);
  if (byName === undefined) {
    byName = new Map();
    readers.set(schema, byName);
  }
  let reader = byName.get(name);
  if (reader !== undefined) return reader;
  const [head = "", inner, ...rest] = name.split(".");
  const field = schema.fields.find((f) => f.name === head);
  if (inner !== undefined) {
    const element = field?.fieldKind === "list" && field.listKind === "message" && field.message;
    const read = element && rest.length === 0 ? readerOf(element, inner) : none;
    const prop = field?.localName ?? "";
    reader = (message) => {
      const list = (message as unknown as Record<string, unknown>)[prop];
      return Array.isArray(list) ? list.flatMap((m) => read(m as Message)) : [];
    };
  } else if (field?.fieldKind !== "scalar" || field.scalar !== ScalarType.STRING) {
    reader = none;
  } else if (field.oneof) {
    const group = field.oneof.localName;
    const member = field.localName;
    reader = (message) => {
      const value = (message as unknown as Record<string, { case?: string; value?: unknown }>)[
        group
      ];
      return value?.case === member && typeof value.value === "string" ? [value.value] : [];
    };
  } else {
    const prop = field.localName;
    reader = (message) => {
      const value = (message as unknown as Record<string, unknown>)[prop];
      return typeof value === "string" ? [value] : [];
    };
  }
  byName.set(name, reader);
  return reader;
}

/**
 * Reads the target of a call from its request message: the project (`project_field`,
 * InvalidArgument when empty) and the config keys (`key_fields`, every element of a
 * "list.field" one, empty ones skipped).
 */
export function readTarget(
  access: Access,
  method: DescMethod,
  message: Message | undefined,
): CallTarget {
  if (!message) return { keys: [] };
  const schema = method.input;
  let project: string | undefined;
  if (access.projectField !== "") {
    project = readerOf(schema, access.projectField)(message)[0] ?? "";
    if (project === "") {
      throw invalidArgument([{ field: access.projectField, description: "must not be empty" }]);
    }
  }
  const keys: string[] = [];
  for (const name of access.keyFields) {
    for (const value of readerOf(schema, name)(message)) if (value !== "") keys.push(value);
  }
  return project === undefined ? { keys } : { project, keys };
}
