import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { principalOf } from "@guardian/kit";

/**
 * Refuses a call that names a project other than the one the calling API key belongs to,
 * or (with `key`) a config outside the key's prefix. Users and services pass: their roles
 * are checked by the RBAC interceptor.
 */
export function authorizeProject(
  ctx: Pick<HandlerContext, "values">,
  project: string,
  key?: string,
): void {
  const principal = principalOf(ctx);
  if (principal.kind !== "api_key") return;
  if (principal.project !== project) {
    throw new ConnectError(
      `this API key belongs to another project and cannot access project "${project}"`,
      Code.PermissionDenied,
    );
  }
  const prefix = principal.apiKey?.keyPrefix ?? "";
  if (key !== undefined && !key.startsWith(prefix)) {
    throw new ConnectError(
      `this API key may only address configs whose key starts with "${prefix}"`,
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
