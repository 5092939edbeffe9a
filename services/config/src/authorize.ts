import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { apiKeyProjectProblem, apiKeyTargetProblem, type KeyTarget } from "@guardian/authz";
import { principalOf } from "@guardian/kit";

/**
 * Refuses a call that names a project other than the one the calling API key belongs to,
 * or (with `target`) a config or prefix outside the key's key prefix, by authz's API-key
 * rules. Users and services pass: their roles are checked by the RBAC interceptor.
 */
export function authorizeProject(
  ctx: Pick<HandlerContext, "values">,
  project: string,
  target?: KeyTarget,
): void {
  const principal = principalOf(ctx);
  if (principal.kind !== "api_key") return;
  const key = { project: principal.project ?? "", keyPrefix: principal.apiKey?.keyPrefix ?? "" };
  const problem =
    apiKeyProjectProblem(key, project) ??
    (target === undefined ? undefined : apiKeyTargetProblem(key, target));
  if (problem !== undefined) throw new ConnectError(problem, Code.PermissionDenied);
}

/**
 * Refuses a write by an API key that would change more than content: API keys never
 * rebind a config to a schema or change its labels. `fields` are the update mask's paths.
 */
export function authorizeContentOnly(
  ctx: Pick<HandlerContext, "values">,
  fields: ReadonlySet<string>,
): void {
  if (principalOf(ctx).kind !== "api_key") return;
  const other = [...fields].filter((f) => f !== "content").sort();
  if (other.length > 0) {
    throw new ConnectError(
      `${other.join(", ")}: API keys may change config content only`,
      Code.PermissionDenied,
    );
  }
}

const globalReaders = new Set(["viewer", "editor", "admin"]);

/**
 * The projects a principal may list: undefined for all of them (global roles; also the
 * anonymous principal, which only exists where no authentication runs), otherwise the API
 * key's project or the projects of the caller's role bindings.
 */
export function readableProjects(ctx: Pick<HandlerContext, "values">): string[] | undefined {
  const principal = principalOf(ctx);
  switch (principal.kind) {
    case "anonymous":
      return undefined;
    case "api_key":
      return [principal.project ?? ""];
    default:
      if (principal.globalRoles?.some((r) => globalReaders.has(r))) return undefined;
      return Object.keys(principal.projectRoles ?? {});
  }
}
