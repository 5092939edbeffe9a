import { create } from "@bufbuild/protobuf";
import { AuditEventFilterSchema, type AuditEventFilter } from "@guardian/api";
import { useCallback, useState, type ReactNode } from "react";
import { AuditFilterForm } from "../audit/audit-filter.js";
import { AuditTable } from "../audit/audit-table.js";
import { useEventPages } from "../audit/use-event-pages.js";
import { can, isGlobalAdmin } from "../auth/access.js";
import { useClients, usePrincipal } from "../auth/use-session.js";
import { ErrorBanner, Loading } from "../components/feedback.js";
import "../components/panels.css";

const pageSize = 50;

/**
 * The audit log: every event (`#/audit`, global admins) or one project's events
 * (`#/p/<project>/audit`, its admins), filtered and paged with "Load more".
 */
export function AuditPage({ project }: { project?: string }): ReactNode {
  const principal = usePrincipal();
  const allowed =
    project === undefined ? isGlobalAdmin(principal) : can(principal, "admin", project);
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">{project === undefined ? "Audit log" : `Audit log of ${project}`}</h1>
      {allowed ? (
        <AuditEvents key={project ?? ""} project={project} />
      ) : (
        <p>
          {project === undefined
            ? "Only global administrators read the whole audit log."
            : `Only the admins of ${project} read its audit log.`}
        </p>
      )}
    </section>
  );
}

function AuditEvents({ project }: { project: string | undefined }): ReactNode {
  const clients = useClients();
  const [filter, setFilter] = useState<AuditEventFilter>(() => create(AuditEventFilterSchema, {}));
  const fetchPage = useCallback(
    async (pageToken: string) =>
      project === undefined
        ? await clients.auth.listAuditEvents({ filter, pageToken, pageSize })
        : await clients.auth.listProjectAuditEvents({ project, filter, pageToken, pageSize }),
    [clients, project, filter],
  );
  const pages = useEventPages(fetchPage);
  return (
    <>
      <AuditFilterForm withProject={project === undefined} onApply={setFilter} />
      <ErrorBanner error={pages.error} />
      {pages.events.length > 0 ? (
        <AuditTable events={pages.events} />
      ) : pages.loading ? null : (
        <p>No events match.</p>
      )}
      {pages.loading ? <Loading what="events" /> : null}
      {pages.more && !pages.loading ? (
        <button type="button" onClick={pages.loadMore}>
          Load more
        </button>
      ) : null}
    </>
  );
}
