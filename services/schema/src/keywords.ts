import { _, Name, str, type CodeKeywordDefinition, type KeywordCxt } from "ajv";

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
 * The draft 2020-12 `unevaluatedItems` applicator, replacing ajv's, which compares the count
 * of evaluated items with the array length even when an applicator evaluated every item
 * (`true`) or, in a failed branch, none (`undefined`), and so checks the wrong items.
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
    const { gen, schema, data, it } = cxt;
    const items = it.items ?? 0;
    if (items === true) return;
    const len = gen.const("len", _`${data}.length`);
    // The index of the first item no applicator evaluated.
    const from =
      items instanceof Name
        ? gen.const("from", _`${items} === true ? ${len} : (${items} || 0)`)
        : items;
    if (schema === false) {
      cxt.setParams({ len: from });
      cxt.fail(_`${len} > ${from}`);
    } else if (!isAbsent(schema)) {
      const valid = gen.var("valid", _`${len} <= ${from}`);
      gen.if(_`!${valid}`, () => {
        gen.forRange("i", from, len, (i) => {
          // dataPropType 0 is ajv's Type.Num: the item's pointer token is its index.
          cxt.subschema({ keyword: "unevaluatedItems", dataProp: i, dataPropType: 0 }, valid);
          if (!it.allErrors) gen.if(_`!${valid}`, () => gen.break());
        });
      });
      cxt.ok(valid);
    }
    it.items = true;
  },
};
