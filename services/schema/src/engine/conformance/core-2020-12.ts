import { json, type ConformanceCase } from "./case.js";

/** Draft 2020-12 cases of the assertion and applicator keywords. */
export const core2020: ConformanceCase[] = [
  {
    description: "boolean schema true",
    schema: true,
    tests: [
      [1, true],
      [{ a: 1 }, true],
      [null, true],
    ],
  },
  {
    description: "boolean schema false",
    schema: false,
    tests: [
      [1, false],
      [{}, false],
      [null, false],
    ],
  },
  {
    description: "type with several types",
    schema: { type: ["integer", "string"] },
    tests: [
      [1, true],
      [1.0, true, "1.0 is an integer"],
      [1.5, false],
      ["a", true],
      [null, false],
    ],
  },
  {
    description: "empty enum matches nothing",
    schema: { enum: [] },
    tests: [
      [1, false],
      [null, false],
    ],
  },
  {
    description: "enum with objects compares deeply and numerically",
    schema: { enum: [{ a: [1, 2] }, 1, null] },
    tests: [
      [{ a: [1, 2] }, true],
      [{ a: [2, 1] }, false],
      [1.0, true],
      [null, true],
      [false, false],
    ],
  },
  {
    description: "const false is not 0",
    schema: { const: false },
    tests: [
      [false, true],
      [0, false],
    ],
  },
  {
    description: "number bounds",
    schema: { minimum: 1, exclusiveMaximum: 3, multipleOf: 0.5 },
    tests: [
      [1, true],
      [2.5, true],
      [3, false],
      [0.5, false],
      [1.2, false],
      ["x", true, "ignores non-numbers"],
    ],
  },
  {
    description: "string length counts code points",
    schema: { minLength: 2, maxLength: 2 },
    tests: [
      ["ab", true],
      ["\u{1F4A9}\u{1F4A9}", true],
      ["\u{1F4A9}", false],
      [1, true],
    ],
  },
  {
    description: "pattern is not anchored",
    schema: { pattern: "b+" },
    tests: [
      ["abbc", true],
      ["ac", false],
    ],
  },
  {
    description: "patterns use ECMAScript's Unicode semantics",
    schema: {
      properties: {
        letters: { pattern: "^\\p{Letter}+$" },
        greek: { pattern: "^\\p{Script=Greek}+$" },
        spaced: { pattern: "^a\\sb$" },
        solid: { pattern: "^\\S+$" },
      },
      patternProperties: { "^\\p{Lu}": { type: "integer" } },
    },
    tests: [
      [{ letters: "élan", greek: "αβγ", spaced: "a\u00a0b", solid: "x" }, true],
      [{ letters: "a1" }, false],
      [{ greek: "abc" }, false],
      [{ spaced: "a\u2003b" }, true, "EM SPACE is white space"],
      [{ solid: "a\u3000b" }, false, "IDEOGRAPHIC SPACE is white space"],
      [{ Émile: 1 }, true],
      [{ Émile: "x" }, false],
    ],
  },
  {
    description: "required counts only own properties",
    schema: { required: ["toString", "constructor", "__proto__"] },
    tests: [
      [{}, false, "inherited names are not present"],
      [json('{"toString": 1, "constructor": 1, "__proto__": 1}'), true],
      [json('{"toString": 1, "constructor": 1}'), false],
      [[], true, "ignores arrays"],
    ],
  },
  {
    description: "properties named after Object.prototype members",
    schema: json(`{"properties": {"__proto__": {"type": "number"}, "toString": {"type": "number"},
      "hasOwnProperty": {"type": "number"}, "constructor": {"type": "number"}}}`),
    tests: [
      [{}, true],
      [json('{"__proto__": "x"}'), false],
      [json('{"__proto__": 1}'), true],
      [json('{"toString": "x"}'), false],
      [json('{"hasOwnProperty": "x"}'), false],
      [json('{"constructor": {"length": 1}}'), false],
    ],
  },
  {
    description: "additionalProperties with a property named __proto__",
    schema: json('{"properties": {"__proto__": {}}, "additionalProperties": false}'),
    tests: [
      [json('{"__proto__": 1}'), true],
      [json('{"toString": 1}'), false],
    ],
  },
  {
    description: "dependentRequired and dependentSchemas on inherited names",
    schema: json(`{"dependentRequired": {"__proto__": ["constructor"]},
      "dependentSchemas": {"toString": {"required": ["valueOf"]}, "__proto__": {"required": ["a"]}}}`),
    tests: [
      [{}, true],
      [json('{"__proto__": 1, "constructor": 1, "a": 1}'), true],
      [json('{"__proto__": 1, "a": 1}'), false],
      [json('{"__proto__": 1, "constructor": 1}'), false],
      [json('{"toString": 1}'), false],
      [json('{"toString": 1, "valueOf": 1}'), true],
    ],
  },
  {
    description: "propertyNames sees __proto__",
    schema: { propertyNames: { maxLength: 3 } },
    tests: [
      [{ abc: 1 }, true],
      [json('{"__proto__": 1}'), false],
    ],
  },
  {
    description: "patternProperties and additionalProperties",
    schema: {
      properties: { a: { type: "integer" } },
      patternProperties: { "^x-": { type: "string" } },
      additionalProperties: { type: "boolean" },
    },
    tests: [
      [{ a: 1, "x-y": "s", other: true }, true],
      [{ "x-y": 1 }, false],
      [{ other: 1 }, false],
    ],
  },
  {
    description: "min and max properties",
    schema: { minProperties: 1, maxProperties: 2 },
    tests: [
      [{}, false],
      [{ a: 1, b: 2 }, true],
      [{ a: 1, b: 2, c: 3 }, false],
    ],
  },
  {
    description: "prefixItems and items",
    schema: { prefixItems: [{ type: "integer" }, { type: "string" }], items: false },
    tests: [
      [[1, "a"], true],
      [[1], true],
      [[1, "a", 2], false],
      [["a"], false],
    ],
  },
  {
    description: "contains with minContains and maxContains",
    schema: { contains: { type: "integer" }, minContains: 2, maxContains: 3 },
    tests: [
      [[1, "a", 2], true],
      [[1], false],
      [[1, 2, 3, 4], false],
    ],
  },
  {
    description: "minContains 0 allows no match",
    schema: { contains: { type: "integer" }, minContains: 0 },
    tests: [
      [[], true],
      [["a"], true],
    ],
  },
  {
    description: "minContains without contains is ignored",
    schema: { minContains: 2 },
    tests: [
      [[], true],
      [[1], true],
    ],
  },
  {
    description: "uniqueItems compares deeply",
    schema: { uniqueItems: true },
    tests: [
      [[1, 2], true],
      [[{ a: 1 }, { a: 1 }], false],
      [[1, 1.0], false],
      [[0, false], true],
    ],
  },
  {
    description: "allOf anyOf oneOf not",
    schema: {
      allOf: [{ type: "integer" }],
      anyOf: [{ minimum: 10 }, { maximum: 0 }],
      oneOf: [{ multipleOf: 2 }, { multipleOf: 3 }],
      not: { const: 12 },
    },
    tests: [
      [10, true],
      [12, false],
      [-6, false, "both oneOf branches"],
      [5, false],
      [15, true],
    ],
  },
  {
    description: "if without then or else",
    schema: { if: { type: "string" } },
    tests: [
      [1, true],
      ["a", true],
    ],
  },
  {
    description: "then without if",
    schema: { then: false },
    tests: [[1, true]],
  },
  {
    description: "else without if",
    schema: { else: false },
    tests: [[1, true]],
  },
  {
    description: "if then else",
    schema: { if: { type: "integer" }, then: { minimum: 0 }, else: { type: "string" } },
    tests: [
      [1, true],
      [-1, false],
      ["a", true],
      [null, false],
    ],
  },
];
