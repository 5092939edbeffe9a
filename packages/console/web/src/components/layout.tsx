import type { ReactNode } from "react";
import { isGlobalAdmin } from "../auth/access.js";
import { usePrincipal, useSession } from "../auth/use-session.js";
import { hrefOf, type Route } from "../router.js";

/** The frame of every signed-in screen: the header, the navigation and the page. */
export function Layout({ route, children }: { route: Route; children: ReactNode }): ReactNode {
  const session = useSession();
  const principal = usePrincipal();
  const project = "project" in route ? route.project : undefined;
  const here = hrefOf(route);
  const link = (target: Route, label: string) => {
    const href = hrefOf(target);
    return (
      <li key={href}>
        <a href={href} aria-current={href === here ? "page" : undefined}>
          {label}
        </a>
      </li>
    );
  };
  return (
    <>
      <header className="top">
        <a className="brand" href="#/">
          Guardian
        </a>
        <nav aria-label="Main">
          <ul>
            {link({ page: "projects" }, "Projects")}
            {isGlobalAdmin(principal) ? link({ page: "audit" }, "Audit log") : null}
            {link({ page: "cluster" }, "Cluster")}
          </ul>
        </nav>
        <div className="user">
          <span>{principal.displayName || principal.username || principal.actor}</span>
          <button type="button" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      {project !== undefined ? (
        <nav aria-label={`Project ${project}`} className="project-nav">
          <strong>{project}</strong>
          <ul>
            {link({ page: "configs", project }, "Configs")}
            {link({ page: "schemas", project }, "Schemas")}
            {link({ page: "access", project }, "Access")}
            {link({ page: "audit", project }, "Audit")}
          </ul>
        </nav>
      ) : null}
      <main>{children}</main>
    </>
  );
}
