import { Ajv, type Options } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { dynamicBoundKeyword, dynamicRefKeyword, scopeBindsKeyword } from "./dynamic-keywords.js";
import { containsKeyword, ifKeyword, unevaluatedItemsKeyword } from "./keywords.js";
import { idnFormats, type FormatMode } from "../formats/guardian-formats.js";
import { re2RegExp } from "./regexp.js";
import { uniqueItemsKeyword } from "./unique-items.js";
import type { DialectName } from "./dialect-names.js";

/** An ajv instance of either dialect (they share the core API). */
export type AnyAjv = Ajv | Ajv2020;

/**
 * Every valid schema compiles: ajv's strict mode is off (what it would refuse is reported as
 * warnings by inspectSchema instead), property names inherited from Object.prototype
 * ("toString", "constructor") never count as present, and one ajv instance is made per
 * compiled document, so the document's own `$id`s and its root are registered on it and
 * in-document references (`"#"`, `"item.json"`, URNs) resolve.
 */
const options: Options = {
  allErrors: true,
  strict: false,
  strictNumbers: true,
  logger: false,
  ownProperties: true,
  validateFormats: true,
  // Linear-time regexes: a caller's `pattern` must not be able to hold a thread.
  code: { regExp: re2RegExp },
};

/** Options of {@link createAjv} beyond the dialect. */
export interface AjvChoices {
  /** "assert" (the default) checks `format`; "annotate" ignores it when validating. */
  formats?: FormatMode;
  /**
   * Whether `$dynamicRef` follows the dynamic scope as forAjv prepares it (draft 2020-12
   * documents compiled for validation); otherwise ajv's own, which the meta-schemas use.
   */
  dynamicScope?: boolean;
}

/**
 * Creates an ajv instance of a dialect with Guardian's options and the standard formats.
 * `checkMeta: false` skips validating schemas against the meta-schema when compiling, for
 * documents that were checked before.
 */
export function createAjv(
  dialect: DialectName,
  checkMeta = true,
  choices: AjvChoices = {},
): AnyAjv {
  const opts = {
    ...options,
    validateSchema: checkMeta,
    validateFormats: (choices.formats ?? "assert") === "assert",
  };
  const ajv = dialect === "draft-07" ? new Ajv(opts) : new Ajv2020(opts);
  addFormats.default(ajv);
  for (const [name, format] of Object.entries(idnFormats)) ajv.addFormat(name, format);
  // ajv resolves `$anchor` but does not declare it as a keyword (ajv-validator/ajv#1854).
  if (dialect === "draft-2020-12") {
    ajv.addKeyword("$anchor");
    ajv.removeKeyword("if");
    ajv.addKeyword({ ...ifKeyword, before: "then" });
    ajv.removeKeyword("unevaluatedItems");
    ajv.addKeyword(unevaluatedItemsKeyword);
    ajv.removeKeyword("contains");
    ajv.addKeyword(containsKeyword);
  }
  if (dialect === "draft-2020-12" && choices.dynamicScope === true) {
    // ajv's `$dynamicAnchor` stays for the meta-schemas a document may reference.
    ajv.addKeyword(scopeBindsKeyword);
    ajv.addKeyword(dynamicRefKeyword);
    ajv.addKeyword(dynamicBoundKeyword);
  }
  ajv.removeKeyword("uniqueItems");
  ajv.addKeyword(uniqueItemsKeyword);
  return ajv;
}

const shared = new Map<DialectName, AnyAjv>();

/**
 * Returns the process-wide instance of a dialect used to check candidate documents against
 * the meta-schema (compiled once) and to look up known keywords and formats. It never
 * compiles user schemas, so it holds nothing of them.
 */
export function metaAjv(dialect: DialectName): AnyAjv {
  let ajv = shared.get(dialect);
  if (!ajv) {
    ajv = createAjv(dialect);
    shared.set(dialect, ajv);
  }
  return ajv;
}
