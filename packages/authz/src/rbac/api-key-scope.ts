import { keyInScope, prefixInScope } from "@guardian/api";
import type { PrincipalApiKey } from "@guardian/kit";

/** What a call addresses inside its project: one config key, or a plain key prefix. */
export type KeyTarget = { key: string } | { prefix: string };

function restrictedTo(scope: string): string {
  return `this API key is restricted to keys under "${scope}"`;
}

/** Returns why an API key may not act in a project, or undefined when it may. */
export function apiKeyProjectProblem(
  key: Pick<PrincipalApiKey, "project">,
  project: string | undefined,
): string | undefined {
  return project === key.project ? undefined : `this API key belongs to project "${key.project}"`;
}

/**
 * Returns why an API key may not address a config key or key prefix, or undefined when it
 * may. The key's own prefix applies segment by segment (`keyInScope`, `prefixInScope`): "eu"
 * covers "eu" and "eu/…", never "eu2"; a prefix target must lie inside it.
 */
export function apiKeyTargetProblem(
  key: Pick<PrincipalApiKey, "keyPrefix">,
  target: KeyTarget,
): string | undefined {
  const scope = key.keyPrefix;
  if (scope === "") return undefined;
  if ("key" in target) return keyInScope(scope, target.key) ? undefined : restrictedTo(scope);
  if (prefixInScope(scope, target.prefix)) return undefined;
  return `${restrictedTo(scope)}; a prefix inside it starts with "${scope.replace(/\/$/, "")}/"`;
}

/**
 * Returns why an API key with a key prefix may not make a call that names no key or prefix
 * (a whole-project call), or undefined when the key has no prefix.
 */
export function apiKeyWholeProjectProblem(
  key: Pick<PrincipalApiKey, "keyPrefix">,
): string | undefined {
  return key.keyPrefix === ""
    ? undefined
    : `${restrictedTo(key.keyPrefix)}; name a key or prefix inside it`;
}
