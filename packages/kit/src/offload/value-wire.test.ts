import { fromJson, toBinary, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { valueWire } from "./value-wire.js";

const same = (json: JsonValue): boolean =>
  Buffer.from(valueWire(json)).equals(toBinary(ValueSchema, fromJson(ValueSchema, json)));

/** A pseudo-random JSON value (a small LCG, so that a failure can be reproduced). */
function randomJson(seed: number, depth = 0): JsonValue {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const text = () =>
    Array.from({ length: Math.floor(next() * 300) }, () =>
      String.fromCodePoint(
        [0x41, 0xe9, 0x4e2d, 0x1f600, 0][Math.floor(next() * 4)]! + Math.floor(next() * 20),
      ),
    ).join("");
  const pick = Math.floor(next() * (depth > 2 ? 4 : 6));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return [0, -0, 1.5, -1e21, 2 ** 53 + 2, Number.MIN_VALUE, next() * 1e6][
        Math.floor(next() * 7)
      ]!;
    case 3:
      return text();
    case 4:
      return Array.from({ length: Math.floor(next() * 12) }, (_, i) =>
        randomJson(seed * 31 + i, depth + 1),
      );
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 10) }, (_, i) => [
          text(),
          randomJson(seed * 17 + i, depth + 1),
        ]),
      );
  }
}

describe("valueWire", () => {
  it("writes every kind of JSON value as protobuf-es does", () => {
    const cases: JsonValue[] = [
      null,
      true,
      false,
      0,
      -0,
      3.25,
      "",
      "é😀",
      [],
      {},
      { "": [{}], __proto__x: null },
      JSON.parse('{"__proto__": {"a": 1}}') as JsonValue,
      "x".repeat(200_000),
      Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `n${i}` })),
    ];
    for (const json of cases) expect(same(json)).toBe(true);
  });

  it("writes random documents as protobuf-es does", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const json = randomJson(seed);
      expect(same(json), `seed ${seed}`).toBe(true);
    }
  });

  it("starts with the length when asked, as an unknown field's bytes do", () => {
    const json = { a: "x".repeat(300) };
    const whole = Buffer.from(valueWire(json));
    const prefixed = Buffer.from(valueWire(json, { lengthPrefixed: true }));
    expect(prefixed.subarray(0, 2)).toEqual(
      Buffer.from([(whole.length % 128) | 0x80, whole.length >> 7]),
    );
    expect(prefixed.subarray(2).equals(whole)).toBe(true);
  });
});
