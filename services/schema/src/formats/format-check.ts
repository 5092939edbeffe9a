import type { Format } from "ajv";

/** Tells whether a value matches one of ajv-formats' formats, whatever its shape. */
export function check(format: Format | undefined, value: string): boolean {
  if (format === undefined || format === true) return true;
  if (typeof format === "string") return new RegExp(format, "u").test(value);
  if (format instanceof RegExp) return format.test(value);
  if (typeof format === "function") return format(value) as boolean;
  return check(format.validate as Format, value);
}
