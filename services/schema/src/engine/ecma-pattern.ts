// ECMAScript pattern spellings (with the `u` flag) that RE2 reads differently or not at all,
// rewritten to RE2 spellings of the same meaning: long Unicode property names; `\s`, which in
// ECMAScript also matches Unicode white space and line terminators; and `.`, which in
// ECMAScript matches no line terminator (RE2's matches `\r`, U+2028 and U+2029).

const categories: Record<string, string> = {
  Letter: "L",
  Cased_Letter: "LC",
  Uppercase_Letter: "Lu",
  Lowercase_Letter: "Ll",
  Titlecase_Letter: "Lt",
  Modifier_Letter: "Lm",
  Other_Letter: "Lo",
  Mark: "M",
  Combining_Mark: "M",
  Nonspacing_Mark: "Mn",
  Spacing_Mark: "Mc",
  Enclosing_Mark: "Me",
  Number: "N",
  Decimal_Number: "Nd",
  digit: "Nd",
  Letter_Number: "Nl",
  Other_Number: "No",
  Punctuation: "P",
  punct: "P",
  Connector_Punctuation: "Pc",
  Dash_Punctuation: "Pd",
  Open_Punctuation: "Ps",
  Close_Punctuation: "Pe",
  Initial_Punctuation: "Pi",
  Final_Punctuation: "Pf",
  Other_Punctuation: "Po",
  Symbol: "S",
  Math_Symbol: "Sm",
  Currency_Symbol: "Sc",
  Modifier_Symbol: "Sk",
  Other_Symbol: "So",
  Separator: "Z",
  Space_Separator: "Zs",
  Line_Separator: "Zl",
  Paragraph_Separator: "Zp",
  Other: "C",
  Control: "Cc",
  cntrl: "Cc",
  Format: "Cf",
  Surrogate: "Cs",
  Private_Use: "Co",
  Unassigned: "Cn",
};

/** ECMAScript's LineTerminator code points, which its `.` does not match. */
const anyButLineTerminator = "[^\\n\\r\\u2028\\u2029]";

/** ECMAScript's WhiteSpace and LineTerminator code points, which its `\s` matches. */
const space =
  "\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff";

function property(name: string): string {
  const [key, value] = name.includes("=") ? name.split("=", 2) : [undefined, name];
  if (key === undefined) return categories[name] ?? name;
  // Script_Extensions is read as Script: RE2 knows only the latter.
  if (["Script", "sc", "Script_Extensions", "scx"].includes(key)) return value ?? "";
  return categories[value ?? ""] ?? value ?? "";
}

/**
 * Tells why `pattern` is not an ECMAScript regular expression (with the `u` flag, as JSON
 * Schema reads patterns), or undefined when it is one. Building a RegExp only parses it.
 */
export function ecmaSyntaxProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, "u");
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Rewrites an ECMAScript pattern (`u` flag) so that RE2 matches what ECMAScript would. */
export function toRe2Syntax(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch !== "\\") {
      if (ch === "[" && !inClass) inClass = true;
      else if (ch === "]" && inClass) inClass = false;
      out += ch === "." && !inClass ? anyButLineTerminator : ch;
      continue;
    }
    const next = pattern[i + 1] ?? "";
    if ((next === "p" || next === "P") && pattern[i + 2] === "{") {
      const end = pattern.indexOf("}", i + 3);
      if (end > 0) {
        out += `\\${next}{${property(pattern.slice(i + 3, end))}}`;
        i = end;
        continue;
      }
    }
    if (next === "s") out += inClass ? space : `[${space}]`;
    else if (next === "S" && !inClass) out += `[^${space}]`;
    else out += `\\${next}`;
    i++;
  }
  return out;
}
