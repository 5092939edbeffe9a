import { _, Name, str, type CodeGen, type CodeKeywordDefinition, type KeywordCxt } from "ajv";

const isAbsent = (schema: unknown): boolean =>
  schema === undefined ||
  schema === true ||
  (typeof schema === "object" && schema !== null && Object.keys(schema).length === 0);

/**
 * The draft 2020-12 `if`/`then`/`else` applicator, replacing ajv's, whose annotations follow
 * the specification: what `if` evaluated counts (for `unevaluatedProperties` and
 * `unevaluatedItems`) only when `if` succeeded, and `if` without `then` or `else` still
 * contributes them.
 */
export const ifKeyword: CodeKeywordDefinition = {
  keyword: "if",
  schemaType: ["object", "boolean"],
  trackErrors: true,
  error: {
    message: ({ params }) => str`must match "${params["ifClause"] as Name}" schema`,
    params: ({ params }) => _`{failingKeyword: ${params["ifClause"] as Name}}`,
  },
  code(cxt: KeywordCxt) {
    const { gen, parentSchema } = cxt;
    const hasThen = !isAbsent(parentSchema.then);
    const hasElse = !isAbsent(parentSchema.else);
    const valid = gen.let("valid", true);
    const ifValid = gen.name("_valid");
    const ifCxt = cxt.subschema(
      { keyword: "if", compositeRule: true, createErrors: false, allErrors: false },
      ifValid,
    );
    cxt.mergeValidEvaluated(ifCxt, ifValid);
    cxt.reset();
    if (!hasThen && !hasElse) return;

    const clause = (keyword: "then" | "else", ifClause?: Name) => () => {
      const clauseValid = gen.name("_valid");
      const clauseCxt = cxt.subschema({ keyword }, clauseValid);
      gen.assign(valid, clauseValid);
      cxt.mergeValidEvaluated(clauseCxt, valid);
      if (ifClause) gen.assign(ifClause, _`${keyword}`);
      else cxt.setParams({ ifClause: keyword });
    };
    if (hasThen && hasElse) {
      const ifClause = gen.let("ifClause");
      cxt.setParams({ ifClause });
      gen.if(ifValid, clause("then", ifClause), clause("else", ifClause));
    } else if (hasThen) {
      gen.if(ifValid, clause("then"));
    } else {
      gen.if(_`!${ifValid}`, clause("else"));
    }
    cxt.pass(valid, () => cxt.error(true));
  },
};

/**
 * Set by forAjv beside an `unevaluatedItems`, one entry per route to a `contains` applying in
 * place: a schema the array must match for the route to count (the subschemas on the way that
 * must pass or fail).
 */
export const containsWhen = "$guardian:containsWhen";

/** Set beside {@link containsWhen}: for each route, the `contains` subschema an item matches. */
export const containsMatch = "$guardian:containsMatch";

// The names ajv's generated validators keep their error count and error list in.
const errorCount = new Name("errors");
const errorList = new Name("vErrors");

function dropErrorsAfter(gen: CodeGen, count: Name): void {
  gen.assign(errorCount, count);
  gen.if(_`${errorList} !== null`, () =>
    gen.if(
      count,
      () => gen.assign(_`${errorList}.length`, count),
      () => gen.assign(errorList, _`null`),
    ),
  );
}

const itemOf = (i: Name) => ({ dataProp: i, dataPropType: 0 as const });

/**
 * The draft 2020-12 `unevaluatedItems` applicator, replacing ajv's. ajv counts evaluated items
 * from the start of the array, so it cannot hold the items `contains` matched, and it
 * compares that count with the length even when an applicator evaluated every item
 * (`true`) or, in a failed branch, none (`undefined`). This one skips the items before the
 * first unevaluated one and, of the rest, those that a `contains` matched whose route (see
 * {@link containsWhen}) the array satisfies.
 */
export const unevaluatedItemsKeyword: CodeKeywordDefinition = {
  keyword: "unevaluatedItems",
  type: "array",
  schemaType: ["boolean", "object"],
  error: {
    message: ({ params }) => str`must NOT have more than ${params["len"] as Name} items`,
    params: ({ params }) => _`{limit: ${params["len"] as Name}}`,
  },
  code(cxt: KeywordCxt) {
    const { gen, schema, data, it, parentSchema } = cxt;
    const items = it.items ?? 0;
    if (items === true) return;
    const len = gen.const("len", _`${data}.length`);
    // The index of the first item no applicator evaluated.
    const from =
      items instanceof Name
        ? gen.const("from", _`${items} === true ? ${len} : (${items} || 0)`)
        : items;
    const routes = (parentSchema[containsWhen] as unknown[] | undefined)?.length ?? 0;
    const byContains = routes > 0;
    if (schema === false && !byContains) {
      cxt.setParams({ len: from });
      cxt.fail(_`${len} > ${from}`);
    } else if (!isAbsent(schema)) {
      const valid = gen.var("valid", true);
      const quiet = { compositeRule: true, createErrors: false, allErrors: false } as const;
      // Which routes apply to this array; the attempts record placeholder errors: drop them.
      const applies: Name[] = [];
      if (byContains) {
        const errs = gen.const("_errs", errorCount);
        for (let k = 0; k < routes; k++) {
          const applied = gen.name("applies");
          cxt.subschema({ keyword: containsWhen, schemaProp: k, ...quiet }, applied);
          applies.push(applied);
        }
        dropErrorsAfter(gen, errs);
      }
      gen.forRange("i", from, len, (i) => {
        const check = () => {
          // dataPropType 0 is ajv's Type.Num: the item's pointer token is its index.
          cxt.subschema({ keyword: "unevaluatedItems", ...itemOf(i) }, valid);
          if (!it.allErrors) gen.if(_`!${valid}`, () => gen.break());
        };
        if (!byContains) return check();
        const matched = gen.let("matched", false);
        const errs = gen.const("_errs", errorCount);
        applies.forEach((applied, k) => {
          gen.if(_`!${matched} && ${applied}`, () => {
            const match = gen.name("match");
            cxt.subschema({ keyword: containsMatch, schemaProp: k, ...itemOf(i), ...quiet }, match);
            gen.assign(matched, match);
          });
        });
        dropErrorsAfter(gen, errs);
        gen.if(_`!${matched}`, check);
      });
      cxt.ok(valid);
    }
    it.items = true;
  },
};

/**
 * The `contains` assertion with `minContains` and `maxContains`, replacing ajv's, which marks
 * every item as evaluated: the `unevaluatedItems` keywords count the items it matched
 * themselves (see {@link containsWhen}).
 */
export const containsKeyword: CodeKeywordDefinition = {
  keyword: "contains",
  type: "array",
  schemaType: ["object", "boolean"],
  before: "uniqueItems",
  trackErrors: true,
  error: {
    message: ({ params: { min, max } }) =>
      max === undefined
        ? str`must contain at least ${min as number} valid item(s)`
        : str`must contain at least ${min as number} and no more than ${max as number} valid item(s)`,
    params: ({ params: { min, max } }) =>
      max === undefined
        ? _`{minContains: ${min as number}}`
        : _`{minContains: ${min as number}, maxContains: ${max as number}}`,
  },
  code(cxt: KeywordCxt) {
    const { gen, parentSchema, data } = cxt;
    const min = (parentSchema.minContains as number | undefined) ?? 1;
    const max = parentSchema.maxContains as number | undefined;
    cxt.setParams({ min, max });
    if (max !== undefined && min > max) return cxt.fail();
    if (min === 0 && max === undefined) return;
    const len = gen.const("len", _`${data}.length`);
    const count = gen.let("count", 0);
    const matched = gen.name("_valid");
    gen.forRange("i", 0, len, (i) => {
      cxt.subschema({ keyword: "contains", ...itemOf(i), compositeRule: true }, matched);
      gen.if(matched, () => {
        gen.code(_`${count}++`);
        // Past the minimum and with no maximum, the answer cannot change.
        if (max === undefined) gen.if(_`${count} >= ${min}`, () => gen.break());
      });
    });
    const valid =
      max === undefined ? _`${count} >= ${min}` : _`${count} >= ${min} && ${count} <= ${max}`;
    cxt.result(valid, () => cxt.reset());
  },
};
