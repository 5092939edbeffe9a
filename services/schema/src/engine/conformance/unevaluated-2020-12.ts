import type { ConformanceCase } from "./case.js";

/** Draft 2020-12 cases of `unevaluatedProperties` and `unevaluatedItems`. */
export const unevaluated2020: ConformanceCase[] = [
  {
    description: "unevaluatedProperties sees properties of allOf and $ref",
    schema: {
      $defs: { b: { properties: { b: true } } },
      allOf: [{ properties: { a: true } }],
      $ref: "#/$defs/b",
      unevaluatedProperties: false,
    },
    tests: [
      [{ a: 1, b: 1 }, true],
      [{ a: 1, c: 1 }, false],
    ],
  },
  {
    description: "unevaluatedProperties ignores failed anyOf branches",
    schema: {
      anyOf: [
        { properties: { a: { const: 1 } }, required: ["a"] },
        { properties: { b: { const: 1 } }, required: ["b"] },
      ],
      unevaluatedProperties: false,
    },
    tests: [
      [{ a: 1 }, true],
      [{ a: 1, b: 1 }, true],
      [{ a: 1, b: 2 }, false, "b is evaluated only by a failed branch"],
    ],
  },
  {
    description: "unevaluatedProperties with if and then",
    schema: {
      if: { properties: { foo: { const: "then" } }, required: ["foo"] },
      then: { properties: { bar: { type: "string" } }, required: ["bar"] },
      unevaluatedProperties: false,
    },
    tests: [
      [{ foo: "then", bar: "x" }, true],
      [{ foo: "then", bar: "x", baz: 1 }, false],
      [{ baz: 1 }, false],
    ],
  },
  {
    description: "unevaluatedProperties with if and else: a failed if evaluates nothing",
    schema: {
      if: { properties: { foo: { const: "then" } }, required: ["foo"] },
      else: { properties: { baz: { type: "string" } } },
      unevaluatedProperties: false,
    },
    tests: [
      [{ foo: "then" }, true, "a successful if evaluates foo"],
      [{ baz: "x" }, true],
      [{ foo: "else", baz: "x" }, false, "foo was only seen by the failed if"],
    ],
  },
  {
    description: "unevaluatedProperties with if alone",
    schema: {
      if: { properties: { foo: { const: "a" } }, required: ["foo"] },
      unevaluatedProperties: false,
    },
    tests: [
      [{ foo: "a" }, true],
      [{ foo: "b" }, false],
    ],
  },
  {
    description: "unevaluatedProperties with dependentSchemas",
    schema: {
      properties: { a: true },
      dependentSchemas: { a: { properties: { b: true } } },
      unevaluatedProperties: false,
    },
    tests: [
      [{ a: 1, b: 1 }, true],
      [{ b: 1 }, false],
    ],
  },
  {
    description: "unevaluatedProperties with oneOf, not, and if under anyOf through $ref",
    schema: {
      $defs: {
        other: {
          $id: "https://example.com/props",
          anyOf: [{ if: { properties: { b: { const: 1 } }, required: ["b"] }, then: true }, true],
        },
      },
      oneOf: [
        { properties: { a: { const: 1 } } },
        { properties: { a: { const: 2 } }, required: ["x"] },
      ],
      not: { properties: { z: true }, required: ["never"] },
      allOf: [{ $ref: "https://example.com/props" }],
      unevaluatedProperties: false,
    },
    tests: [
      [{ a: 1, b: 1 }, true],
      [{ a: 1, b: 2 }, false, "b is evaluated only by an if that failed"],
      [{ a: 1, z: 1 }, false, "z is evaluated only under not"],
      [{ a: 2, x: 1 }, false, "x is evaluated by nothing"],
    ],
  },
  {
    description: "unevaluatedProperties sees properties of the $dynamicRef target the scope chose",
    schema: {
      properties: { x: { $ref: "withA" }, y: { $ref: "withB" } },
      $defs: {
        generic: {
          $id: "generic",
          $dynamicRef: "#extra",
          unevaluatedProperties: false,
          $defs: { extra: { $dynamicAnchor: "extra" } },
        },
        withA: {
          $id: "withA",
          $ref: "generic",
          $defs: { extra: { $dynamicAnchor: "extra", properties: { a: true } } },
        },
        withB: {
          $id: "withB",
          $ref: "generic",
          $defs: { extra: { $dynamicAnchor: "extra", properties: { b: true } } },
        },
      },
    },
    tests: [
      [{ x: { a: 1 } }, true],
      [{ x: { b: 1 } }, false, "b is evaluated only by the anchor of withB, not in scope"],
      [{ y: { b: 1 } }, true],
      [{ y: { a: 1 } }, false, "a is evaluated only by the anchor of withA, not in scope"],
    ],
  },
  {
    description: "nested unevaluatedProperties sees outer properties only from inside",
    schema: {
      properties: { a: true },
      allOf: [{ unevaluatedProperties: false }],
    },
    tests: [
      [{}, true],
      [{ a: 1 }, false, "the inner schema did not evaluate a"],
    ],
  },
  {
    description: "unevaluatedItems after prefixItems",
    schema: { prefixItems: [{ type: "string" }], unevaluatedItems: false },
    tests: [
      [["a"], true],
      [["a", 1], false],
    ],
  },
  {
    description: "unevaluatedItems with if, then and else",
    schema: {
      prefixItems: [{ const: "foo" }],
      if: { prefixItems: [true, { const: "bar" }] },
      then: { prefixItems: [true, true, { const: "then" }] },
      else: { prefixItems: [true, true, true, { const: "else" }] },
      unevaluatedItems: false,
    },
    tests: [
      [["foo", "bar", "then"], true],
      [["foo", "bar", "then", "x"], false],
      [["foo", "x", "y", "else"], true],
      [["foo", "x", "y", "else", "z"], false],
    ],
  },
  {
    description: "unevaluatedItems ignores items evaluated only by a failed anyOf branch",
    schema: { unevaluatedItems: { type: "boolean" }, anyOf: [{ items: { type: "string" } }, true] },
    tests: [
      [[true, false], true],
      [["yes", "no"], true],
      [["yes", false], false],
    ],
  },
  {
    description: "unevaluatedItems with if alone",
    schema: { if: { prefixItems: [{ const: "a" }] }, unevaluatedItems: false },
    tests: [
      [["a"], true],
      [["b"], false],
    ],
  },
  {
    description: "unevaluatedItems with contains through allOf and with minContains 0",
    schema: {
      allOf: [{ contains: { type: "string" }, minContains: 0 }, { contains: { const: 1 } }],
      unevaluatedItems: false,
    },
    tests: [
      [["a", 1], true],
      [[1, 1], true],
      [[1, true], false],
    ],
  },
  {
    description: "unevaluatedItems with contains inside if",
    schema: {
      if: { contains: { const: "a" } },
      then: { if: { contains: { const: "b" } } },
      unevaluatedItems: false,
    },
    tests: [
      [["a", "b"], true],
      [["b"], false],
      [["a", "c"], false, "c is matched by nothing"],
    ],
  },
  {
    description: "unevaluatedItems with contains under then and else",
    schema: {
      if: { prefixItems: [{ const: "t" }] },
      then: { contains: { const: "a" } },
      else: { contains: { const: "b" } },
      unevaluatedItems: false,
    },
    tests: [
      [["t", "a"], true, "t by the if, a by the contains under then"],
      [["t", "a", "c"], false, "c is matched by nothing"],
      [["t", "b"], false, "the contains under then does not match b"],
      [["b", "b"], true, "the if failed: the contains under else matches every item"],
      [["b", "a"], false, "a is matched only by the contains of the branch not taken"],
    ],
  },
  {
    description: "unevaluatedItems with contains under anyOf and oneOf",
    schema: {
      anyOf: [{ contains: { const: "a" } }, { contains: { const: "b" }, minContains: 2 }],
      oneOf: [{ contains: { const: "c" } }, { contains: { const: "d" } }],
      unevaluatedItems: false,
    },
    tests: [
      [["a", "c"], true],
      [["a", "b", "c"], false, "the branch with b needs two b: its matches do not count"],
      [["a", "b", "b", "c"], true],
      [["a", "c", "e"], false, "e is matched by nothing"],
      [["a", "c", "d"], false, "oneOf fails when both branches pass"],
    ],
  },
  {
    description: "unevaluatedItems with contains under a failed anyOf branch and under not",
    schema: {
      anyOf: [{ contains: { const: "a" } }, { contains: { const: "b" }, maxItems: 1 }],
      not: { contains: { const: "z" }, minItems: 5 },
      unevaluatedItems: false,
    },
    tests: [
      [["a"], true],
      [["a", "b"], false, "the branch with b failed on maxItems"],
      [["b"], true],
      [["a", "z"], false, "the contains under not evaluates nothing"],
    ],
  },
  {
    description: "unevaluatedItems with contains through $ref, nested under anyOf and if",
    schema: {
      $defs: {
        hasA: { contains: { const: "a" } },
        other: {
          $id: "https://example.com/other",
          anyOf: [{ if: { contains: { const: "b" } }, then: true }, true],
        },
      },
      $ref: "#/$defs/hasA",
      allOf: [{ $ref: "https://example.com/other" }],
      unevaluatedItems: false,
    },
    tests: [
      [["a"], true],
      [["a", "b"], true, "b matched by the contains under if in another resource"],
      [["a", "c"], false, "c is matched by nothing"],
    ],
  },
  {
    description: "unevaluatedItems with contains in another resource, the root without $id",
    schema: {
      $defs: {
        a: { $id: "nested.json", unevaluatedItems: false, anyOf: [{ $ref: "root.json#/$defs/b" }] },
        b: { contains: { type: "string" } },
      },
      $id: "root.json",
      $ref: "nested.json",
    },
    tests: [
      [["x", "y"], true],
      [["x", 1], false, "1 is matched by nothing"],
    ],
  },
  {
    description: "unevaluatedItems with contains reached through $dynamicRef, chosen by the path",
    schema: {
      $id: "https://example.com/tuples",
      if: { minItems: 3 },
      then: { $ref: "withA" },
      else: { $ref: "withB" },
      unevaluatedItems: false,
      $defs: {
        generic: {
          $id: "generic",
          $dynamicRef: "#extra",
          $defs: { extra: { $dynamicAnchor: "extra" } },
        },
        withA: {
          $id: "withA",
          $ref: "generic",
          $defs: { extra: { $dynamicAnchor: "extra", contains: { const: "a" }, minContains: 0 } },
        },
        withB: {
          $id: "withB",
          $ref: "generic",
          $defs: {
            extra: {
              $dynamicAnchor: "extra",
              anyOf: [{ contains: { const: "b" }, minContains: 0 }],
            },
          },
        },
      },
    },
    tests: [
      [["a", "a", "a"], true],
      [["a", "a", "b"], false, "the contains of withB is not in the dynamic scope"],
      [["b", "b"], true],
      [["a", "b"], false, "the contains of withA is not in the dynamic scope"],
    ],
  },
  {
    description: "unevaluatedItems with contains under dependentSchemas, which an array ignores",
    schema: {
      dependentSchemas: { "0": { contains: true } },
      unevaluatedItems: false,
    },
    tests: [
      [[], true],
      [[1], false],
      [{ "0": 1 }, true],
    ],
  },
  {
    description: "unevaluatedItems with contains",
    schema: { contains: { type: "string" }, unevaluatedItems: false },
    tests: [
      [["a", "b"], true],
      [["a", 1], false, "1 is matched by nothing"],
    ],
  },
  {
    description: "unevaluatedItems with items",
    schema: { items: { type: "integer" }, unevaluatedItems: false },
    tests: [
      [[1, 2], true],
      [["a"], false],
    ],
  },
];
