/**
 * The grammar of names shared by every Guardian API: projects, config keys, schema names,
 * labels and idempotency keys. Each check returns a sentence saying what is wrong, or
 * undefined when the value is valid.
 */

const projectRe = /^[a-z][a-z0-9-]{1,61}[a-z0-9]$/;
const segmentRe = /^[A-Za-z0-9._-]+$/;
const schemaRe = /^[a-z][a-z0-9._-]{0,62}$/;
const labelKeyRe = /^[a-z0-9._/-]{1,63}$/;

/** Checks a project name: 3-63 of a-z, 0-9, '-', starting with a letter, not ending in '-'. */
export function checkProjectName(name: string): string | undefined {
  if (name === "") return "must not be empty";
  if (!projectRe.test(name)) {
    return "must be 3-63 characters of a-z, 0-9 and '-', start with a letter and not end with '-'";
  }
  return undefined;
}

/** Checks a config key: 1-256 characters, '/'-separated segments of A-Z a-z 0-9 . _ - . */
export function checkConfigKey(key: string): string | undefined {
  if (key === "") return "must not be empty";
  if (key.length > 256) return `must be at most 256 characters, got ${key.length}`;
  const segments = key.split("/");
  for (const s of segments) {
    if (s === "") return "must not start or end with '/' or contain '//'";
    if (s === "." || s === "..") return "must not contain '.' or '..' segments";
    if (!segmentRe.test(s)) return "segments may hold only A-Z, a-z, 0-9, '.', '_' and '-'";
  }
  return undefined;
}

/**
 * Whether a config key lies inside an API key's key prefix, segment by segment: "eu" (or
 * "eu/") covers "eu" and "eu/…" but never "eu2" or "eu2/…". An empty prefix covers every
 * key. This is the one rule every check of an API key's key prefix uses.
 */
export function keyInScope(scope: string, key: string): boolean {
  if (scope === "") return true;
  const base = scope.endsWith("/") ? scope.slice(0, -1) : scope;
  return key === base || key.startsWith(base + "/");
}

/**
 * Whether every key a plain string prefix (ListConfigs, Watch) can match lies inside an API
 * key's key prefix: "eu/" and "eu/checkout" are inside "eu"; "eu" itself is not, because it
 * also matches "eu2". An empty scope covers every prefix.
 */
export function prefixInScope(scope: string, prefix: string): boolean {
  if (scope === "") return true;
  const base = scope.endsWith("/") ? scope.slice(0, -1) : scope;
  return prefix.startsWith(base + "/");
}

/** Checks a key prefix: empty, or at most 256 characters of the key alphabet and '/'. */
export function checkKeyPrefix(prefix: string): string | undefined {
  if (prefix.length > 256) return `must be at most 256 characters, got ${prefix.length}`;
  if (!/^[A-Za-z0-9._/-]*$/.test(prefix))
    return "may hold only A-Z, a-z, 0-9, '.', '_', '-' and '/'";
  return undefined;
}

/** Checks a schema name: 1-63 of a-z, 0-9, '.', '_', '-', starting with a letter. */
export function checkSchemaName(name: string): string | undefined {
  if (name === "") return "must not be empty";
  if (!schemaRe.test(name)) {
    return "must be 1-63 characters of a-z, 0-9, '.', '_' and '-', starting with a letter";
  }
  return undefined;
}

/** Checks labels: at most 64 pairs, keys of a-z 0-9 . _ / - (1-63), values at most 63 characters. */
export function checkLabels(labels: Record<string, string>): string | undefined {
  const entries = Object.entries(labels);
  if (entries.length > 64) return `at most 64 labels, got ${entries.length}`;
  for (const [k, v] of entries) {
    if (!labelKeyRe.test(k))
      return `label key "${k}" must be 1-63 characters of a-z, 0-9, '.', '_', '/' and '-'`;
    if (v.length > 63) return `label "${k}" value must be at most 63 characters`;
  }
  return undefined;
}

/** Checks an idempotency key: empty (none), or at most 128 printable ASCII characters. */
export function checkIdempotencyKey(key: string): string | undefined {
  if (key.length > 128) return `must be at most 128 characters, got ${key.length}`;
  if (!/^[\x21-\x7e]*$/.test(key)) return "must be printable ASCII without spaces";
  return undefined;
}
