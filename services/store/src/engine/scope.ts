import type { RevisionRecord, WatchScope } from "./types.js";

/** Reports whether a revision record falls inside a watch scope. */
export function inScope(scope: WatchScope, r: Pick<RevisionRecord, "project" | "key">): boolean {
  if (scope.project && r.project !== scope.project) return false;
  if (scope.key !== undefined && scope.key !== "") return r.key === scope.key;
  if (scope.prefix) return r.key.startsWith(scope.prefix);
  return true;
}
