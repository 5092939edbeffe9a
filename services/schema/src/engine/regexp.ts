import { RE2JS } from "re2js";
import type { CodeOptions } from "ajv";
import { ecmaSyntaxProblem, toRe2Syntax } from "./ecma-pattern.js";

/** ajv's hook for building the regexes of `pattern` and `patternProperties`. */
type RegExpEngine = NonNullable<CodeOptions["regExp"]>;

function compile(pattern: string): RE2JS {
  // Translates ECMAScript-only spellings (`\u00e9`, `(?<name>`, `/`, `\p{Letter}`, `\s`) to
  // RE2 syntax of the same meaning.
  return RE2JS.compile(RE2JS.translateRegExp(toRe2Syntax(pattern)));
}

/**
 * Builds `pattern` and `patternProperties` regexes with RE2 (through re2js), whose matching
 * takes time linear in the input, so that no pattern can backtrack catastrophically. Like
 * ECMAScript regexes with the `u` flag, RE2 matches code points, and a pattern is found
 * anywhere in the string unless anchored.
 */
export const re2RegExp: RegExpEngine = Object.assign(
  (pattern: string) => {
    const re = compile(pattern);
    // ajv shares compiled regexes by their string form, so it must name the pattern.
    return { test: (s: string) => re.test(s), toString: () => `re2:${JSON.stringify(pattern)}` };
  },
  { code: "re2js" },
);

/**
 * Says why a pattern cannot be used (undefined: it can). A pattern must be an ECMAScript
 * regular expression, as JSON Schema defines it, so that no pattern means something else
 * here than in other validators (`(?i)abc` is RE2 syntax only). RE2 has no backreferences
 * and no lookaround, because they cannot be matched in linear time.
 */
export function patternProblem(pattern: string): string | undefined {
  const notEcma = ecmaSyntaxProblem(pattern);
  if (notEcma !== undefined) {
    return `pattern ${JSON.stringify(pattern)} is not an ECMAScript regular expression: ${notEcma}`;
  }
  try {
    compile(pattern);
    return undefined;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return (
      `pattern ${JSON.stringify(pattern)} is not supported: ${reason}; patterns use RE2 ` +
      "syntax, which matches in linear time and has no backreferences or lookaround"
    );
  }
}
