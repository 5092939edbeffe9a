import { ScalarType, type DescField } from "@bufbuild/protobuf";
import fc from "fast-check";

// JSON values that no field of the given shape accepts in the proto3 JSON mapping.
const notText = [42, true, {}, [], [1, 2]];
const notNumber = [{}, [], true, [1], "not a number"];
const notBool = [{}, [], 1, "yes", 1.5];
const notBytes = [{}, [], true, 7];
// An unknown enum name is not among them: connect-es reads JSON ignoring unknown fields and
// enum values, so it leaves the field unset.
const notEnum = [{}, [], true, 1.5];
const notMessage = [[1, 2], 42.5, "text"];
const notList = [{}, "text", 42, true];
const notMap = [[], "text", 42, true];

// Well-known types with a JSON form of their own: which of the values above are still wrong.
const wrongFor: Record<string, readonly unknown[]> = {
  "google.protobuf.Struct": [[1, 2], 42.5, "text", true],
  "google.protobuf.ListValue": [{}, 42.5, "text", true],
  "google.protobuf.Duration": [[1, 2], 42.5, {}, "ten seconds"],
  "google.protobuf.Timestamp": [[1, 2], 42.5, {}, "yesterday"],
  "google.protobuf.FieldMask": [[1, 2], 42.5, {}, true],
};

function scalarWrong(scalar: ScalarType): readonly unknown[] {
  switch (scalar) {
    case ScalarType.STRING:
      return notText;
    case ScalarType.BOOL:
      return notBool;
    case ScalarType.BYTES:
      return notBytes;
    default:
      return notNumber;
  }
}

/**
 * Values of the wrong JSON type for a request field, or undefined for a field that takes
 * any JSON (google.protobuf.Value) or a wrapper type.
 */
export function wrongJsonValue(field: DescField): fc.Arbitrary<unknown> | undefined {
  let values: readonly unknown[] | undefined;
  switch (field.fieldKind) {
    case "scalar":
      values = scalarWrong(field.scalar);
      break;
    case "enum":
      values = notEnum;
      break;
    case "list":
      values = notList;
      break;
    case "map":
      values = notMap;
      break;
    case "message": {
      const name = field.message.typeName;
      if (name === "google.protobuf.Value" || name.endsWith("Value")) return undefined;
      values = wrongFor[name] ?? (name.startsWith("google.protobuf.") ? undefined : notMessage);
      break;
    }
  }
  return values && values.length > 0 ? fc.constantFrom(...values) : undefined;
}
