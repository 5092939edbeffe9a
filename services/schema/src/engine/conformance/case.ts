/**
 * One conformance case: a schema and instances with the validity JSON Schema gives them.
 * `[instance, valid, what]` triples keep the corpus compact.
 */
export interface ConformanceCase {
  description: string;
  schema: unknown;
  tests: [instance: unknown, valid: boolean, what?: string][];
}

/** Parses JSON text, so that keys such as "__proto__" become own properties as on the wire. */
export const json = (text: string): unknown => JSON.parse(text) as unknown;
