import { _, Name, type CodeKeywordDefinition, type KeywordCxt } from "ajv";

// `$dynamicRef` by the dynamic scope. Every schema object of a resource that declares a
// `$dynamicAnchor` some `$dynamicRef` names (set up by forAjv, see dynamic-scope.ts) binds
// each such name to that resource's anchor unless an outer resource bound it first; the
// binding holds for the rest of the object's evaluation and every reference called from it,
// and ends with it. A `$dynamicRef` applies the anchor bound to its name, or its initial
// target when no resource in the dynamic scope declares it.

/** Set by forAjv on schema objects: `[name, candidate index]` pairs their resource binds. */
export const scopeBinds = "$guardian:binds";

/** Set by forAjv in place of a `$dynamicRef`: its candidates as `$ref`s, the initial target last. */
export const dynamicChoices = "$guardian:dynamicRef";

/** Set beside {@link dynamicChoices}: the anchor name the `$dynamicRef` names. */
export const dynamicName = "$guardian:dynamicName";

/**
 * Set by forAjv in the conditions of a route to a `contains` (see contains-routes.ts):
 * `[name, index]`, passing when the dynamic scope binds the name to that candidate (`null`:
 * to none).
 */
export const dynamicBound = "$guardian:dynamicBound";

// The name ajv's generated validators keep the dynamic scope in; it is passed to every
// validator they call. Guardian's bindings use keys of their own there, apart from ajv's.
const scope = new Name("dynamicAnchors");
const keyOf = (name: string) => `$guardian:${name}`;

/** Binds the names of {@link scopeBinds} for the rest of the schema object's keywords. */
export const scopeBindsKeyword: CodeKeywordDefinition = {
  keyword: scopeBinds,
  schemaType: "array",
  before: "$ref",
  code(cxt: KeywordCxt) {
    const { gen } = cxt;
    const binds = cxt.schema as [string, number][];
    if (binds.length === 0) return;
    const outer = gen.let("outer", scope);
    // Left open on purpose: ajv closes it after the object's last keyword, so the binding
    // below is a block-scoped variable that ends with the object's evaluation.
    gen.if(_`${outer} !== undefined`);
    gen.code(_`let ${scope} = ${outer}`);
    for (const [name, index] of binds) {
      gen.if(_`${scope}[${keyOf(name)}] === undefined`, () =>
        gen.assign(scope, _`{...${scope}, [${keyOf(name)}]: ${index}}`),
      );
    }
  },
};

/** Applies the candidate of {@link dynamicChoices} that the dynamic scope binds. */
export const dynamicRefKeyword: CodeKeywordDefinition = {
  keyword: dynamicChoices,
  schemaType: "array",
  code(cxt: KeywordCxt) {
    const { gen, parentSchema } = cxt;
    const name = parentSchema[dynamicName] as string;
    const choices = (cxt.schema as unknown[]).length;
    const valid = gen.let("valid", false);
    const bound = gen.const("bound", _`${scope}[${keyOf(name)}]`);
    const apply = (k: number) => () => {
      const applied = gen.name("_valid");
      const sub = cxt.subschema({ keyword: dynamicChoices, schemaProp: k }, applied);
      gen.assign(valid, applied);
      cxt.mergeValidEvaluated(sub, valid);
    };
    // The candidates in order, then the initial target when nothing binds the name.
    for (let k = 0; k < choices - 1; k++) {
      if (k === 0) gen.if(_`${bound} === ${k}`);
      else gen.elseIf(_`${bound} === ${k}`);
      apply(k)();
    }
    if (choices > 1) gen.else();
    apply(choices - 1)();
    if (choices > 1) gen.endIf();
    cxt.ok(valid);
  },
};

/** Passes when the dynamic scope binds a name as {@link dynamicBound} says. */
export const dynamicBoundKeyword: CodeKeywordDefinition = {
  keyword: dynamicBound,
  schemaType: "array",
  code(cxt: KeywordCxt) {
    const [name, index] = cxt.schema as [string, number | null];
    const bound = _`${scope}[${keyOf(name)}]`;
    cxt.pass(index === null ? _`${bound} === undefined` : _`${bound} === ${index}`);
  },
};
