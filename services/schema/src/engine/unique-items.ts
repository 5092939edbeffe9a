import { _, str, type CodeKeywordDefinition } from "ajv";

/** Writes a JSON value with object keys sorted, so that equal JSON values write equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  // JSON numbers 1 and 1.0 parse to one value, and -0 writes as 0: both are equal in JSON.
  return JSON.stringify(value) ?? "null";
}

/**
 * Finds the first item of an array that equals (as JSON) an earlier one, in time linear in
 * the size of the array: returns `[earlier, later]` indexes, or undefined when all differ.
 */
export function firstDuplicate(items: readonly unknown[]): [number, number] | undefined {
  const seen = new Map<string, number>();
  for (let i = 0; i < items.length; i++) {
    const key = canonical(items[i]);
    const earlier = seen.get(key);
    if (earlier !== undefined) return [earlier, i];
    seen.set(key, i);
  }
  return undefined;
}

/**
 * `uniqueItems` in linear time. ajv's own keyword compares every pair of items (quadratic),
 * so 20,000 distinct objects took minutes; this one compares canonical JSON through a map.
 * Its error is ajv's (`must NOT have duplicate items (items ## 0 and 3 are identical)`).
 */
export const uniqueItemsKeyword: CodeKeywordDefinition = {
  keyword: "uniqueItems",
  type: "array",
  schemaType: "boolean",
  error: {
    message: ({ params: { i, j } }) =>
      str`must NOT have duplicate items (items ## ${j} and ${i} are identical)`,
    params: ({ params: { i, j } }) => _`{i: ${i}, j: ${j}}`,
  },
  code(cxt) {
    if (cxt.schema !== true) return;
    const { gen, data } = cxt;
    const find = gen.scopeValue("func", { ref: firstDuplicate });
    const pair = gen.const("duplicate", _`${find}(${data})`);
    cxt.setParams({ j: _`${pair}[0]`, i: _`${pair}[1]` });
    cxt.fail(_`${pair} !== undefined`);
  },
};
