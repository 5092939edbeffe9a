import type { ValidateTexts } from "./bound-configs.js";
import { checkSize, type CandidateInput } from "./check.js";
import { jsonEqual } from "./convert.js";
import type { VersionRow } from "./sql/schema-versions.js";
import type { CheckedCandidate, SchemaWorkers } from "./workers/schema-workers.js";

/** Candidate schema documents, as CreateSchema, AddSchemaVersion and DryRun receive them. */
export interface Candidates {
  /**
   * Checks a candidate's size (ResourceExhausted above the limit) and then the document
   * itself on the workers (InvalidArgument when it is not acceptable); returns it compiled.
   */
  compile(input: CandidateInput, signal: AbortSignal): Promise<CheckedCandidate>;
  /** Validates documents (as text) against a compiled candidate on the workers. */
  against(checked: CheckedCandidate, signal: AbortSignal): ValidateTexts;
}

/** Creates the candidate checks over the worker threads. */
export function createCandidates(workers: SchemaWorkers, maxSchemaBytes: number): Candidates {
  return {
    compile({ content, formatMode }, signal) {
      const text = checkSize(
        JSON.stringify(content),
        maxSchemaBytes,
        "schema_size_bytes",
        "content",
      );
      return workers.compile(text, signal, formatMode);
    },
    against(checked, signal) {
      return (documents) => workers.validate(checked.source, documents, signal, "check");
    },
  };
}

/** Tells whether a candidate equals a stored version: the same JSON and format mode. */
export function sameVersion(input: CandidateInput, stored: VersionRow): boolean {
  return input.formatMode === stored.format_mode && jsonEqual(input.content, stored.content);
}
