import { ScalarType, type DescMethod, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { Access } from "@guardian/api";
import { invalidArgument } from "@guardian/kit";
import type { CallTarget } from "./decide.js";

type Reader = (message: Message) => string | undefined;

const readers = new WeakMap<DescMessage, Map<string, Reader>>();

/**
 * Returns a reader of one top-level string field of a message type by its proto name (a
 * oneof member too), made once per type and field: it reads the property itself, without
 * reflection. The reader returns undefined when the field is not a string or not set.
 */
function readerOf(schema: DescMessage, name: string): Reader {
  let byName = readers.get(schema);
  if (byName === undefined) {
    byName = new Map();
    readers.set(schema, byName);
  }
  let reader = byName.get(name);
  if (reader !== undefined) return reader;
  const field = schema.fields.find((f) => f.name === name);
  if (field?.fieldKind !== "scalar" || field.scalar !== ScalarType.STRING) {
    reader = () => undefined;
  } else if (field.oneof) {
    const group = field.oneof.localName;
    const member = field.localName;
    reader = (message) => {
      const value = (message as unknown as Record<string, { case?: string; value?: unknown }>)[
        group
      ];
      return value?.case === member && typeof value.value === "string" ? value.value : undefined;
    };
  } else {
    const prop = field.localName;
    reader = (message) => {
      const value = (message as unknown as Record<string, unknown>)[prop];
      return typeof value === "string" ? value : undefined;
    };
  }
  byName.set(name, reader);
  return reader;
}

/**
 * Reads the target of a call from its request message: the project (`project_field`,
 * InvalidArgument when empty) and the config keys (`key_fields`, empty ones skipped).
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
    project = readerOf(schema, access.projectField)(message) ?? "";
    if (project === "") {
      throw invalidArgument([{ field: access.projectField, description: "must not be empty" }]);
    }
  }
  const keys: string[] = [];
  for (const name of access.keyFields) {
    const value = readerOf(schema, name)(message);
    if (value !== undefined && value !== "") keys.push(value);
  }
  return project === undefined ? { keys } : { project, keys };
}
