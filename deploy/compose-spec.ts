import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { parseDocument } from "yaml";

/**
 * Reads a compose file as `docker compose` does: YAML with merge keys (`<<`), where a key
 * written twice, a bad alias or any other YAML problem is an error. Throws one Error listing
 * every problem.
 */
export function parseComposeText(text: string): Record<string, unknown> {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join("\n"));
  return doc.toJS() as Record<string, unknown>;
}

/**
 * The paths of the values (and keys) that YAML 1.1 reads differently from YAML 1.2: `yes`,
 * `no`, `on`, `off` (booleans in 1.1), `0755` (octal), `22:22` (base 60), `1_000`, dates.
 * Compose's parser mixes both, so a value in this list may not be what it looks like.
 */
export function ambiguousValues(text: string): string[] {
  const v12 = parseDocument(text, { merge: true }).toJS() as unknown;
  const v11 = parseDocument(text, { merge: true, version: "1.1" }).toJS() as unknown;
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const key of keys) {
        walk(
          (a as Record<string, unknown>)[key],
          (b as Record<string, unknown>)[key],
          `${path}/${key}`,
        );
      }
    } else if (!Object.is(a, b)) {
      out.push(path || "/");
    }
  };
  walk(v12, v11, "");
  return out;
}

let validator: Promise<ValidateFunction> | undefined;

/**
 * Compiles the Compose Specification's JSON Schema (the compose-spec project's
 * `compose-spec.json`, as the `dclint` package ships it) with Ajv: unknown keys and values of
 * the wrong type fail, as they do in `docker compose`.
 */
function composeValidator(): Promise<ValidateFunction> {
  validator ??= (async () => {
    const dir = dirname(createRequire(import.meta.url).resolve("dclint/package.json"));
    const schema = JSON.parse(
      await readFile(join(dir, "schemas/compose.schema.json"), "utf8"),
    ) as Record<string, unknown>;
    // The schema declares draft-07 by its https address; Ajv knows draft-07 by the http one.
    expectDraft07(schema["$schema"]);
    // Strict about the schema's own keywords; its loose `type` lists are the spec's own.
    const ajv = new Ajv({
      allErrors: true,
      strictSchema: true,
      strictTypes: false,
      strictTuples: false,
      strictRequired: false,
    });
    return ajv.compile({ ...schema, $schema: "http://json-schema.org/draft-07/schema#" });
  })();
  return validator;
}

function expectDraft07(declared: unknown): void {
  if (!/^https?:\/\/json-schema\.org\/draft-07\/schema#?$/.test(String(declared))) {
    throw new Error(`the compose schema declares ${String(declared)}, not draft-07`);
  }
}

/** Validates a parsed compose file against the Compose Specification; returns every error. */
export async function composeSchemaErrors(doc: unknown): Promise<string[]> {
  const validate = await composeValidator();
  if (validate(doc)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || "/"} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
  );
}
