import type { ReactNode } from "react";
import { useSessionState } from "./auth/use-session.js";
import { Layout } from "./components/layout.js";
import { AccessPage } from "./pages/access.js";
import { AuditPage } from "./pages/audit.js";
import { ClusterPage } from "./pages/cluster.js";
import { ConfigsPage } from "./pages/configs.js";
import { EditorPage } from "./pages/editor.js";
import { HistoryPage } from "./pages/history.js";
import { NewConfigPage } from "./pages/new-config.js";
import { ProjectsPage } from "./pages/projects.js";
import { SchemaPage, SchemasPage } from "./pages/schemas.js";
import { SignInPage } from "./pages/sign-in.js";
import { hrefOf, useRoute, type Route } from "./router.js";

/** The console: the sign-in screen, or the screen the location hash names. */
export function App(): ReactNode {
  const state = useSessionState();
  const route = useRoute();
  if (state.status === "loading") return <p aria-busy="true">Loading…</p>;
  if (state.status === "signed-out") return <SignInPage reason={state.reason} />;
  return (
    <Layout route={route}>
      <Screen route={route} />
    </Layout>
  );
}

function Screen({ route }: { route: Route }): ReactNode {
  switch (route.page) {
    case "projects":
      return <ProjectsPage />;
    case "configs":
      return <ConfigsPage project={route.project} />;
    case "new-config":
      return <NewConfigPage project={route.project} />;
    case "editor":
      return (
        <EditorPage
          key={`${route.project}/${route.key}`}
          project={route.project}
          configKey={route.key}
        />
      );
    case "history":
      return <HistoryPage project={route.project} configKey={route.key} />;
    case "schemas":
      return <SchemasPage project={route.project} />;
    case "schema":
      return <SchemaPage project={route.project} name={route.name} />;
    case "access":
      return <AccessPage project={route.project} />;
    case "audit":
      return <AuditPage project={route.project} />;
    case "cluster":
      return <ClusterPage />;
    case "not-found":
      return (
        <section>
          <h1>Not found</h1>
          <p>
            Nothing is at <code>{route.path}</code>.{" "}
            <a href={hrefOf({ page: "projects" })}>Projects</a>
          </p>
        </section>
      );
  }
}
