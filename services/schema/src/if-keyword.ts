import { _, str, type CodeKeywordDefinition, type KeywordCxt, type Name } from "ajv";

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
