/**
 * The contract between the schema service and its users (the config service): resolving the
 * schema version a config binds to and validating documents against it.
 */

import type { WorkLane } from "./workers/schema-workers.js";

/** One way a document fails its schema, located by JSON pointers. */
export interface SchemaViolation {
  /** RFC 6901 pointer into the document ("" for the whole document). */
  pointer: string;
  message: string;
  /** The JSON Schema keyword that failed, such as "type" or "required". */
  keyword: string;
  /** RFC 6901 pointer into the schema at the failing keyword. */
  schemaPointer: string;
}

/** A concrete, compiled schema version. */
export interface ResolvedSchema {
  project: string;
  name: string;
  /** The concrete version (never 0). */
  version: number;
  /**
   * Validates a JSON document, given as JSON text, on a worker thread; an empty list means
   * valid. Fails with DeadlineExceeded when validation takes longer than the workers'
   * deadline. `lane` says whose work it is (default "write", see WorkLane).
   */
  validate(documentText: string, signal?: AbortSignal, lane?: WorkLane): Promise<SchemaViolation[]>;
}

/** Looks up and compiles schema versions, caching compiled validators. */
export interface SchemaRegistry {
  /**
   * Resolves `name` at `version` in `project` (version 0: the latest). Throws ConnectError
   * NotFound naming the schema (and version) when it does not exist.
   */
  resolve(project: string, name: string, version: number): Promise<ResolvedSchema>;
  /** Forgets cached entries of one schema (after a new version or a deletion). */
  invalidate(project: string, name: string): void;
}
