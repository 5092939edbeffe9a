import { equals, fromJsonString, type DescMessage } from "@bufbuild/protobuf";
import { DurationSchema, Int64ValueSchema } from "@bufbuild/protobuf/wkt";
import * as api from "@guardian/api";
import { ReadConfigRequestSchema } from "@guardian/api";
import { seededRandom } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { createFastJsonReader } from "./fast-json.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const values: unknown[] = [
  "",
  "demo",
  "apps/web",
  "zürich ✓",
  "\ud800",
  "a\udc00b",
  0,
  1,
  -1,
  1.5,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 32,
  2 ** 53,
  -(2 ** 53) - 2,
  1e21,
  "0",
  "7",
  "-5",
  "01",
  "-0",
  "1e3",
  "0x10",
  " 1",
  "9007199254740993",
  "123456789012345",
  true,
  false,
  null,
  [],
  ["x"],
  {},
  { a: 1 },
];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

/** JSON texts for a message: its field names (proto and JSON), unknown names, odd shapes. */
function texts(desc: DescMessage, next: () => number, count: number): string[] {
  const names = desc.fields.flatMap((f) => [f.name, f.jsonName]);
  names.push("unknown", "__proto__", "constructor");
  const out = ["", "{", "[]", "null", "1", '"x"', "\ufeff{}", "{}", " { } "];
  for (let i = 0; i < count; i++) {
    const fields = Math.floor(next() * 4);
    const parts: string[] = [];
    for (let j = 0; j < fields; j++) {
      parts.push(`${JSON.stringify(pick(next, names))}:${JSON.stringify(pick(next, values))}`);
    }
    // The same key twice, sometimes with a nested value or a comma inside a string first.
    if (fields > 0 && next() < 0.2) parts.push(parts[0]!.replace(/:.*/, ':"b,\\",c"'));
    out.push(`{${parts.join(",")}}`);
  }
  return out;
}

function messagesOf(module: Record<string, unknown>): DescMessage[] {
  return Object.values(module).filter(
    (v): v is DescMessage =>
      typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "message",
  );
}

describe("createFastJsonReader", () => {
  it("reads a message exactly as protobuf-es does, or leaves it to protobuf-es", () => {
    const eligible = messagesOf(api).filter((d) => createFastJsonReader(d) !== undefined);
    expect(eligible.map((d) => d.typeName)).toContain(ReadConfigRequestSchema.typeName);
    const next = seededRandom(20261130);
    let read = 0;
    for (const desc of eligible) {
      const reader = createFastJsonReader(desc)!;
      for (const text of texts(desc, next, 200)) {
        const bytes = encoder.encode(text);
        let expected: ReturnType<typeof fromJsonString> | undefined;
        try {
          // As Connect reads a JSON request: decoded (a byte order mark dropped), then parsed.
          expected = fromJsonString(desc, decoder.decode(bytes));
        } catch {
          expected = undefined;
        }
        const fast = reader(bytes);
        if (fast === undefined) continue;
        read += 1;
        expect(expected, `${desc.typeName} ${text}`).toBeDefined();
        expect(equals(desc, fast, expected!), `${desc.typeName} ${text}`).toBe(true);
      }
    }
    // The fast reader does take most plain requests.
    expect(read).toBeGreaterThan(eligible.length * 10);
  });

  it("reads a plain ReadConfig request", () => {
    const reader = createFastJsonReader(ReadConfigRequestSchema)!;
    const message = reader(
      encoder.encode('{"project":"demo","key":"apps/web","minRevision":"42","if_none_match":7}'),
    );
    expect(message).toMatchObject({ project: "demo", key: "apps/web" });
    expect(message).toMatchObject({ minRevision: 42n, ifNoneMatch: 7n });
    expect(reader(encoder.encode('{"project":"a,\\"b","key":"k"}'))).toMatchObject({
      project: 'a,"b',
    });
    // Duplicates are refused by protobuf-es, so they are left to it.
    expect(reader(encoder.encode('{"project":"a","project":"b"}'))).toBeUndefined();
    expect(reader(encoder.encode('{"project":"a","key":"k","key":"k"}'))).toBeUndefined();
  });

  it("leaves well-known types and messages with other fields to protobuf-es", () => {
    expect(createFastJsonReader(Int64ValueSchema)).toBeUndefined();
    expect(createFastJsonReader(DurationSchema)).toBeUndefined();
    const withMessages = messagesOf(api).find((d) =>
      d.fields.some((f) => f.fieldKind === "message"),
    );
    expect(createFastJsonReader(withMessages!)).toBeUndefined();
  });
});
