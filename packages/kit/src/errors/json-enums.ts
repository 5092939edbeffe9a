import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";
import type { FieldViolationInit } from "./bad-request.js";
import { isObject } from "./json-fields.js";

/** Whether a message holds an enum field, itself or in a message field (cached per type). */
const holding = new WeakMap<DescMessage, boolean>();

function enumOf(field: DescField): DescEnum | undefined {
  if (field.fieldKind === "enum") return field.enum;
  if (field.fieldKind === "list" && field.listKind === "enum") return field.enum;
  if (field.fieldKind === "map" && field.mapKind === "enum") return field.enum;
  return undefined;
}

function messageOf(field: DescField): DescMessage | undefined {
  if (field.fieldKind === "message") return field.message;
  if (field.fieldKind === "list" && field.listKind === "message") return field.message;
  if (field.fieldKind === "map" && field.mapKind === "message") return field.message;
  return undefined;
}

/** Well-known types have JSON forms of their own, without enum names. */
const wellKnown = (desc: DescMessage) => desc.typeName.startsWith("google.protobuf.");

function holdsEnums(desc: DescMessage, seen = new Set<DescMessage>()): boolean {
  const known = holding.get(desc);
  if (known !== undefined) return known;
  if (wellKnown(desc) || seen.has(desc)) return false;
  seen.add(desc);
  const holds = desc.fields.some((f) => {
    if (enumOf(f) !== undefined) return true;
    const m = messageOf(f);
    return m !== undefined && holdsEnums(m, seen);
  });
  holding.set(desc, holds);
  return holds;
}

/** The problem of one enum value: a string that names no value of `e`. */
function badName(e: DescEnum, value: unknown, at: string): FieldViolationInit | undefined {
  // Numbers are kept as sent (enums are open), as in the binary protocols, and checked by
  // the handler; null means the default.
  if (typeof value !== "string" || e.values.some((v) => v.name === value)) return undefined;
  const names = e.values.map((v) => v.name).join(", ");
  const sent = value.length <= 40 ? value : `${value.slice(0, 40)}…`;
  return { field: at, description: `must be one of ${names}, not ${JSON.stringify(sent)}` };
}

function inValue(field: DescField, value: unknown, at: string): FieldViolationInit | undefined {
  const e = enumOf(field);
  if (e !== undefined) return badName(e, value, at);
  const m = messageOf(field);
  return m === undefined ? undefined : inMessage(m, value, at);
}

function inMessage(desc: DescMessage, json: unknown, path: string): FieldViolationInit | undefined {
  if (!isObject(json) || !holdsEnums(desc)) return undefined;
  for (const [key, value] of Object.entries(json)) {
    const field = desc.fields.find((f) => f.jsonName === key || f.name === key);
    if (field === undefined || value === null) continue;
    const at = path === "" ? field.name : `${path}.${field.name}`;
    let found: FieldViolationInit | undefined;
    if (field.fieldKind === "list" && Array.isArray(value)) {
      for (let i = 0; i < value.length && !found; i++) {
        found = inValue(field, value[i], `${at}[${i}]`);
      }
    } else if (field.fieldKind === "map" && isObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        found = inValue(field, v, `${at}[${JSON.stringify(k)}]`);
        if (found) break;
      }
    } else if (field.fieldKind !== "list" && field.fieldKind !== "map") {
      found = inValue(field, value, at);
    }
    if (found) return found;
  }
  return undefined;
}

/**
 * The first enum value of the JSON request `json` that names no value of its enum, as an
 * InvalidArgument violation naming the field and the names it takes. Connect's JSON codec
 * ignores unknown fields, and with them unknown enum names: a mistyped name would silently
 * become the default (a webhook's `event_types: ["UPDTAE"]`, an empty filter, receiving every
 * event), where the binary protocols keep the number and the request's check refuses it.
 * Undefined when every enum name is known, or the message holds no enum at all (cheap: known
 * per type).
 */
export function unknownEnumViolation(
  desc: DescMessage,
  json: unknown,
): FieldViolationInit | undefined {
  return inMessage(desc, json, "");
}

/** Whether {@link unknownEnumViolation} has anything to look at in messages of `desc`. */
export function mayHoldEnumNames(desc: DescMessage): boolean {
  return holdsEnums(desc);
}
