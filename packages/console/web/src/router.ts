import { useSyncExternalStore } from "react";

/** A screen of the console, parsed from the location hash. */
export type Route =
  | { readonly page: "projects" }
  | { readonly page: "configs"; readonly project: string }
  | { readonly page: "editor"; readonly project: string; readonly key: string }
  | { readonly page: "new-config"; readonly project: string }
  | { readonly page: "history"; readonly project: string; readonly key: string }
  | { readonly page: "schemas"; readonly project: string }
  | { readonly page: "schema"; readonly project: string; readonly name: string }
  | { readonly page: "access"; readonly project: string }
  | { readonly page: "audit"; readonly project?: string }
  | { readonly page: "cluster" }
  | { readonly page: "not-found"; readonly path: string };

/** The hash of a route: `#/p/<project>/c/<key>` and so on, each name URI-encoded. */
export function hrefOf(route: Route): string {
  const e = encodeURIComponent;
  switch (route.page) {
    case "projects":
      return "#/";
    case "configs":
      return `#/p/${e(route.project)}`;
    case "editor":
      return `#/p/${e(route.project)}/c/${e(route.key)}`;
    case "new-config":
      return `#/p/${e(route.project)}/new`;
    case "history":
      return `#/p/${e(route.project)}/c/${e(route.key)}/history`;
    case "schemas":
      return `#/p/${e(route.project)}/schemas`;
    case "schema":
      return `#/p/${e(route.project)}/schemas/${e(route.name)}`;
    case "access":
      return `#/p/${e(route.project)}/access`;
    case "audit":
      return route.project === undefined ? "#/audit" : `#/p/${e(route.project)}/audit`;
    case "cluster":
      return "#/cluster";
    case "not-found":
      return `#${route.path}`;
  }
}

/** Parses a location hash into a route. */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  const parts = path.split("/").slice(1).map(safeDecode);
  const [a, project, b, c, d] = parts;
  if (parts.length === 1 && a === "") return { page: "projects" };
  if (parts.length === 1 && a === "audit") return { page: "audit" };
  if (parts.length === 1 && a === "cluster") return { page: "cluster" };
  if (a === "p" && project) {
    if (parts.length === 2) return { page: "configs", project };
    if (b === "new" && parts.length === 3) return { page: "new-config", project };
    if (b === "c" && c && parts.length === 4) return { page: "editor", project, key: c };
    if (b === "c" && c && d === "history" && parts.length === 5) {
      return { page: "history", project, key: c };
    }
    if (b === "schemas" && parts.length === 3) return { page: "schemas", project };
    if (b === "schemas" && c && parts.length === 4) return { page: "schema", project, name: c };
    if (b === "access" && parts.length === 3) return { page: "access", project };
    if (b === "audit" && parts.length === 3) return { page: "audit", project };
  }
  return { page: "not-found", path };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Goes to a route (adds a history entry). */
export function navigate(route: Route): void {
  window.location.hash = hrefOf(route);
}

const subscribe = (listener: () => void) => {
  window.addEventListener("hashchange", listener);
  return () => window.removeEventListener("hashchange", listener);
};

/** The current route, re-rendering when the hash changes. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseHash(hash);
}
