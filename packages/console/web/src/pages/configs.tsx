import { useState, type ReactNode } from "react";
import type { Config } from "@guardian/api";
import { can } from "../auth/access.js";
import { usePrincipal } from "../auth/use-session.js";
import { ErrorBanner, Loading } from "../components/feedback.js";
import { ConfigFilterForm } from "../configs/config-filter-form.js";
import { schemaLabel } from "../configs/documents.js";
import { Time } from "../components/timestamp.js";
import { LiveIndicator } from "../configs/live-indicator.js";
import { useLiveConfigs, type ConfigFilter } from "../configs/use-live-configs.js";
import { hrefOf } from "../router.js";

/** The configs of a project, filtered by key prefix and labels, updated live. */
export function ConfigsPage({ project }: { project: string }): ReactNode {
  const principal = usePrincipal();
  const [filter, setFilter] = useState<ConfigFilter>({ prefix: "", labels: {} });
  const live = useLiveConfigs(project, filter);
  return (
    <section aria-labelledby="configs-title">
      <div className="title-row">
        <h1 id="configs-title">Configs</h1>
        <LiveIndicator state={live.state} />
        {can(principal, "write", project) ? (
          <a className="button-link" href={hrefOf({ page: "new-config", project })}>
            New config
          </a>
        ) : null}
      </div>
      <ConfigFilterForm onApply={setFilter} />
      <ErrorBanner error={live.error} />
      {live.configs === undefined ? (
        live.error === undefined ? (
          <Loading what="configs" />
        ) : null
      ) : live.configs.length === 0 ? (
        <p>No configs match.</p>
      ) : (
        <ConfigTable project={project} configs={live.configs} />
      )}
    </section>
  );
}

function ConfigTable(props: { project: string; configs: readonly Config[] }): ReactNode {
  return (
    <table aria-label="Configs">
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Version</th>
          <th scope="col">Schema</th>
          <th scope="col">Labels</th>
          <th scope="col">Last author</th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {props.configs.map((c) => (
          <tr key={c.key}>
            <td>
              <a href={hrefOf({ page: "editor", project: props.project, key: c.key })}>{c.key}</a>
            </td>
            <td>{c.version.toString()}</td>
            <td>{schemaLabel(c)}</td>
            <td>
              {Object.entries(c.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(", ")}
            </td>
            <td>{c.updatedBy}</td>
            <td>
              <Time ts={c.updateTime} fallback="" />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
