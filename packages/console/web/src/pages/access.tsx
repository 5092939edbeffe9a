import type { ReactNode } from "react";
import { ApiKeys } from "../access/api-keys.js";
import { RoleBindings } from "../access/role-bindings.js";
import { can } from "../auth/access.js";
import { usePrincipal, useSession } from "../auth/use-session.js";
import "../components/panels.css";

/**
 * Who may use a project: its role bindings (everyone who can read the project sees them) and,
 * for its admins, its API keys.
 */
export function AccessPage({ project }: { project: string }): ReactNode {
  const session = useSession();
  const principal = usePrincipal();
  const admin = can(principal, "admin", project);
  return (
    <section aria-labelledby="access-title">
      <h1 id="access-title">Access to {project}</h1>
      <RoleBindings project={project} manage={admin} onChange={() => void session.reload()} />
      {admin ? (
        <ApiKeys project={project} />
      ) : (
        <section aria-labelledby="api-keys-title">
          <h2 id="api-keys-title">API keys</h2>
          <p>The project&apos;s admins manage its API keys.</p>
        </section>
      )}
    </section>
  );
}
