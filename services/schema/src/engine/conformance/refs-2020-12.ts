import type { ConformanceCase } from "./case.js";

const tree = {
  $id: "https://example.com/tree",
  $dynamicAnchor: "node",
  type: "object",
  properties: {
    data: true,
    children: { type: "array", items: { $dynamicRef: "#node" } },
  },
};

/** Draft 2020-12 cases of references, identifiers, anchors and dynamic references. */
export const refs2020: ConformanceCase[] = [
  {
    description: "recursive reference to the root",
    schema: { properties: { foo: { $ref: "#" } }, additionalProperties: false },
    tests: [
      [{ foo: { foo: {} } }, true],
      [{ foo: { bar: 1 } }, false],
    ],
  },
  {
    description: "reference to $defs by pointer, with escaped tokens",
    schema: {
      $defs: { "a/b": { type: "integer" }, "c~d": { type: "string" }, "e%f": { type: "null" } },
      properties: {
        x: { $ref: "#/$defs/a~1b" },
        y: { $ref: "#/$defs/c~0d" },
        z: { $ref: "#/$defs/e%25f" },
      },
    },
    tests: [
      [{ x: 1, y: "s", z: null }, true],
      [{ x: "s" }, false],
      [{ y: 1 }, false],
      [{ z: 1 }, false],
    ],
  },
  {
    description: "siblings of $ref apply in 2020-12",
    schema: { $defs: { n: { type: "integer" } }, $ref: "#/$defs/n", maximum: 3 },
    tests: [
      [2, true],
      [5, false],
    ],
  },
  {
    description: "relative $id inside the document",
    schema: { $ref: "item.json", $defs: { item: { $id: "item.json", type: "string" } } },
    tests: [
      ["a", true],
      [1, false],
    ],
  },
  {
    description: "absolute $id inside the document",
    schema: {
      $id: "https://example.com/root.json",
      properties: { a: { $ref: "https://example.com/other.json" } },
      $defs: { other: { $id: "other.json", type: "integer" } },
    },
    tests: [
      [{ a: 1 }, true],
      [{ a: "x" }, false],
    ],
  },
  {
    description: "URN $id with a pointer fragment",
    schema: {
      $id: "urn:uuid:deadbeef-1234-0000-0000-4321feebdaed",
      properties: { a: { $ref: "urn:uuid:deadbeef-1234-0000-0000-4321feebdaed#/$defs/s" } },
      $defs: { s: { type: "string" } },
    },
    tests: [
      [{ a: "x" }, true],
      [{ a: 1 }, false],
    ],
  },
  {
    description: "$ref relative to a nested $id resolves against it",
    schema: {
      $id: "https://example.com/a/root.json",
      $defs: {
        inner: {
          $id: "https://example.com/b/inner.json",
          $defs: { n: { $id: "num.json", type: "number" } },
          properties: { v: { $ref: "num.json" } },
        },
      },
      $ref: "https://example.com/b/inner.json",
    },
    tests: [
      [{ v: 1 }, true],
      [{ v: "x" }, false],
    ],
  },
  {
    description: "$ref beside $id resolves against that $id",
    schema: {
      $id: "https://example.com/outer.json",
      properties: {
        foo: {
          $id: "inner.json",
          $defs: { s: { properties: { bar: { type: "string" } } } },
          $ref: "#/$defs/s",
        },
      },
      $ref: "inner.json",
    },
    tests: [
      [{ foo: { bar: "a" }, bar: "a" }, true],
      [{ foo: { bar: 1 }, bar: "a" }, false],
      [{ foo: { bar: "a" }, bar: 1 }, false],
    ],
  },
  {
    description: "URN $id beside a pointer $ref",
    schema: {
      $ref: "urn:uuid:deadbeef-4321-0000-0000-1234feebdaed",
      $defs: {
        foo: {
          $id: "urn:uuid:deadbeef-4321-0000-0000-1234feebdaed",
          $defs: { bar: { type: "string" } },
          $ref: "#/$defs/bar",
        },
      },
    },
    tests: [
      ["a", true],
      [1, false],
    ],
  },
  {
    description: "$id inside an unknown keyword is data",
    schema: {
      $defs: {
        inUnknown: { not: { someList: [{ $id: "https://example.com/x.json", type: "null" }] } },
        real: { $id: "https://example.com/x.json", type: "string" },
      },
      $ref: "https://example.com/x.json",
    },
    tests: [
      ["a", true],
      [null, false],
    ],
  },
  {
    description: "$ref into an unknown keyword",
    schema: {
      properties: {
        foo: { myKeyword: { type: "integer" } },
        bar: { $ref: "#/properties/foo/myKeyword" },
      },
    },
    tests: [
      [{ foo: "x", bar: 1 }, true],
      [{ bar: "x" }, false],
    ],
  },
  {
    description: "$anchor",
    schema: { $ref: "#s", $defs: { s: { $anchor: "s", type: "string" } } },
    tests: [
      ["a", true],
      [1, false],
    ],
  },
  {
    description: "reference to a boolean subschema",
    schema: { $ref: "#/$defs/no", $defs: { no: false } },
    tests: [[1, false]],
  },
  {
    description: "$dynamicRef without a dynamic scope acts as $ref",
    schema: {
      $dynamicAnchor: "self",
      type: "object",
      properties: { next: { $dynamicRef: "#self" } },
    },
    tests: [
      [{ next: { next: {} } }, true],
      [{ next: 1 }, false],
    ],
  },
  {
    description: "$dynamicRef extends a recursive schema from the outermost resource",
    schema: {
      $id: "https://example.com/strict-tree",
      $dynamicAnchor: "node",
      $ref: "tree",
      unevaluatedProperties: false,
      $defs: { tree },
    },
    tests: [
      [{ children: [{ data: 1 }] }, true],
      [{ children: [{ daat: 1 }] }, false, "a misspelled property deep in the tree"],
    ],
  },
  {
    description: "$dynamicRef to a $dynamicAnchor in the same resource acts as $ref",
    schema: {
      $id: "https://example.com/same",
      type: "array",
      items: { $dynamicRef: "#items" },
      $defs: { foo: { $dynamicAnchor: "items", type: "string" } },
    },
    tests: [
      [["a", "b"], true],
      [["a", 1], false],
    ],
  },
  {
    description: "$dynamicRef to a plain $anchor acts as $ref",
    schema: {
      type: "array",
      items: { $dynamicRef: "#items" },
      $defs: { foo: { $anchor: "items", type: "string" } },
    },
    tests: [
      [["a"], true],
      [[1], false],
    ],
  },
  {
    description: "$dynamicRef to another resource's dynamic anchor, the root declaring it too",
    schema: {
      $id: "https://example.com/root",
      $dynamicAnchor: "meta",
      properties: { foo: { const: "pass" } },
      $ref: "extended",
      $defs: {
        extended: {
          $id: "extended",
          $dynamicAnchor: "meta",
          properties: { bar: { $ref: "bar" } },
        },
        bar: { $id: "bar", properties: { baz: { $dynamicRef: "extended#meta" } } },
      },
    },
    tests: [
      [{ foo: "pass", bar: { baz: { foo: "pass" } } }, true],
      [{ foo: "pass", bar: { baz: { foo: "fail" } } }, false],
    ],
  },
  {
    description: "$dynamicRef chosen by the path taken, several resources declaring the anchor",
    schema: {
      $id: "https://example.com/lists",
      if: { minItems: 2 },
      then: { $ref: "numbers" },
      else: { $ref: "strings" },
      $defs: {
        generic: {
          $id: "generic",
          items: { $dynamicRef: "#item" },
          $defs: { any: { $dynamicAnchor: "item" } },
        },
        numbers: {
          $id: "numbers",
          $defs: { item: { $dynamicAnchor: "item", type: "number" } },
          $ref: "generic",
        },
        strings: {
          $id: "strings",
          $defs: { item: { $dynamicAnchor: "item", type: "string" } },
          $ref: "generic",
        },
      },
    },
    tests: [
      [["a"], true],
      [[1], false, "a number in the list of strings"],
      [[1, 2], true],
      [["a", "b"], false, "strings in the list of numbers"],
    ],
  },
  {
    description: "$dynamicRef chosen by the path taken, per property, the root without $id",
    schema: {
      properties: { numbers: { $ref: "numbers" }, strings: { $ref: "strings" } },
      $defs: {
        generic: {
          $id: "generic",
          properties: { also: { $ref: "strings" } },
          items: { $dynamicRef: "#item" },
          $defs: { any: { $dynamicAnchor: "item" } },
        },
        numbers: {
          $id: "numbers",
          $defs: { item: { $dynamicAnchor: "item", type: "number" } },
          $ref: "generic",
        },
        strings: {
          $id: "strings",
          $defs: { item: { $dynamicAnchor: "item", type: "string" } },
          $ref: "generic",
        },
      },
    },
    tests: [
      [{ numbers: [1, 2], strings: ["a"] }, true],
      [{ numbers: ["a"] }, false],
      [{ strings: [1] }, false],
      [
        { numbers: { also: ["a"] } },
        false,
        "numbers entered first: its anchor applies under strings",
      ],
      [{ numbers: { also: [1] } }, true],
      [{ strings: { also: ["a"] } }, true],
    ],
  },
  {
    description: "$dynamicRef: a resource evaluation left is no longer in the dynamic scope",
    schema: {
      $id: "https://example.com/left",
      properties: {
        a: {
          $id: "inline",
          $defs: { item: { $dynamicAnchor: "item", type: "boolean" } },
          $ref: "generic",
        },
        b: { $ref: "generic" },
        c: { $ref: "numbers" },
      },
      $defs: {
        generic: {
          $id: "generic",
          items: { $dynamicRef: "#item" },
          $defs: { any: { $dynamicAnchor: "item" } },
        },
        numbers: {
          $id: "numbers",
          $defs: { item: { $dynamicAnchor: "item", type: "number" } },
          $ref: "generic",
        },
        strings: {
          $id: "strings",
          $defs: { item: { $dynamicAnchor: "item", type: "string" } },
          $ref: "generic",
        },
      },
    },
    tests: [
      [{ a: [true], b: [1, "x"], c: [1] }, true, "b is outside the scope of a's resource"],
      [{ a: [1] }, false],
      [{ c: ["x"], b: ["x"] }, false],
      [{ c: [1], b: ["x"] }, true, "b is outside the scope of numbers"],
    ],
  },
  {
    description:
      "$dynamicRef naming another resource by URI, several resources declaring the anchor",
    schema: {
      $defs: {
        a: { $id: "https://example.com/a", $dynamicAnchor: "node", type: "string" },
        b: {
          $id: "https://example.com/b",
          $dynamicAnchor: "node",
          type: ["number", "object"],
          properties: { inner: { $dynamicRef: "https://example.com/a#node" } },
        },
      },
      properties: {
        next: { $dynamicRef: "https://example.com/a#node" },
        viaB: { $ref: "https://example.com/b" },
      },
    },
    tests: [
      [{ next: "x" }, true, "no resource in scope declares it: the initial target applies"],
      [{ next: 1 }, false],
      [{ viaB: { inner: 1 } }, true, "b is in the dynamic scope"],
      [{ viaB: { inner: "x" } }, false],
    ],
  },
  {
    description: "$dynamicRef resolves to a $dynamicAnchor below a resource root",
    schema: {
      $id: "https://example.com/root",
      $ref: "list",
      $defs: {
        foo: { $dynamicAnchor: "items", type: "string" },
        list: {
          $id: "list",
          type: "array",
          items: { $dynamicRef: "#items" },
          $defs: { items: { $dynamicAnchor: "items" } },
        },
      },
    },
    tests: [
      [["a"], true],
      [[1], false],
    ],
  },
  {
    description: "$dynamicRef to the root's anchor from a resource, the root without $id",
    schema: {
      $ref: "list",
      $defs: {
        foo: { $dynamicAnchor: "items", type: "string" },
        list: {
          $id: "list",
          type: "array",
          items: { $dynamicRef: "#items" },
          $defs: { items: { $dynamicAnchor: "items" } },
        },
      },
    },
    tests: [
      [["a"], true],
      [[1], false],
    ],
  },
];
