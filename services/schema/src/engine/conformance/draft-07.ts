import { json, type ConformanceCase } from "./case.js";

/** Draft-07 cases; the runner adds `$schema` to each object schema. */
export const draft07: ConformanceCase[] = [
  {
    description: "keywords beside $ref are ignored",
    schema: {
      definitions: { r: { type: "integer" } },
      properties: { foo: { $ref: "#/definitions/r", maximum: 3 } },
    },
    tests: [
      [{ foo: 5 }, true],
      [{ foo: "x" }, false],
    ],
  },
  {
    description: "$id beside $ref does not change the base URI",
    schema: {
      $id: "http://example.com/sibling/base/",
      definitions: {
        foo: { $id: "http://example.com/sibling/foo.json", type: "string" },
        baseFoo: { $id: "foo.json", type: "number" },
      },
      allOf: [{ $id: "http://example.com/sibling/", $ref: "foo.json" }],
    },
    tests: [
      [5, true, "foo.json resolves against the root's $id"],
      ["a", false],
    ],
  },
  {
    description: "a property named $ref is a property",
    schema: { properties: { $ref: { type: "string" } } },
    tests: [
      [{ $ref: "a" }, true],
      [{ $ref: 1 }, false],
    ],
  },
  {
    description: "recursive reference to the root",
    schema: { properties: { foo: { $ref: "#" } }, additionalProperties: false },
    tests: [
      [{ foo: { foo: {} } }, true],
      [{ foo: { bar: 1 } }, false],
    ],
  },
  {
    description: "location-independent identifier",
    schema: { allOf: [{ $ref: "#foo" }], definitions: { a: { $id: "#foo", type: "integer" } } },
    tests: [
      [1, true],
      ["a", false],
    ],
  },
  {
    description: "relative $id inside the document",
    schema: {
      $id: "http://example.com/root.json",
      properties: { a: { $ref: "item.json" } },
      definitions: { item: { $id: "item.json", type: "boolean" } },
    },
    tests: [
      [{ a: true }, true],
      [{ a: 1 }, false],
    ],
  },
  {
    description: "items as a list with additionalItems",
    schema: { items: [{ type: "integer" }, { type: "string" }], additionalItems: false },
    tests: [
      [[1, "a"], true],
      [[1], true],
      [[1, "a", 2], false],
    ],
  },
  {
    description: "additionalItems beside a schema items is ignored",
    schema: { items: { type: "integer" }, additionalItems: false },
    tests: [
      [[1, 2, 3], true],
      [[1, "a"], false],
    ],
  },
  {
    description: "additionalItems without items is ignored",
    schema: { additionalItems: false },
    tests: [[[1, 2], true]],
  },
  {
    description: "dependencies as lists and schemas, inherited names included",
    schema: json(`{"dependencies": {"a": ["b"], "c": {"required": ["d"]},
      "__proto__": ["toString"], "constructor": {"required": ["valueOf"]}}}`),
    tests: [
      [{}, true],
      [{ a: 1 }, false],
      [{ a: 1, b: 1 }, true],
      [{ c: 1 }, false],
      [json('{"__proto__": 1}'), false],
      [json('{"__proto__": 1, "toString": 1}'), true],
      [json('{"constructor": 1}'), false],
    ],
  },
  {
    description: "required counts only own properties",
    schema: { required: ["toString", "hasOwnProperty"] },
    tests: [
      [{}, false],
      [json('{"toString": 1, "hasOwnProperty": 1}'), true],
    ],
  },
  {
    description: "if without then is ignored, then without if too",
    schema: { if: { type: "string" }, properties: { a: { then: false } } },
    tests: [
      [1, true],
      [{ a: 1 }, true],
    ],
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
  {
    description: "contains and const",
    schema: { contains: { const: 5 } },
    tests: [
      [[1, 5], true],
      [[1], false],
      [[], false],
    ],
  },
  {
    description: "exclusive bounds are numbers",
    schema: { exclusiveMinimum: 1, exclusiveMaximum: 3 },
    tests: [
      [2, true],
      [1, false],
      [3, false],
    ],
  },
  {
    description: "propertyNames",
    schema: { propertyNames: { pattern: "^[a-z]+$" } },
    tests: [
      [{ abc: 1 }, true],
      [{ Abc: 1 }, false],
    ],
  },
  {
    description: "unknown keywords are ignored",
    schema: { foo: { type: "string" }, unevaluatedProperties: false },
    tests: [[{ a: 1 }, true]],
  },
];
