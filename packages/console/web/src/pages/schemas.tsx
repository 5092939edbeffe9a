import { useCallback, useState, type ReactNode } from "react";
import { allPages } from "../api/pages.js";
import { can } from "../auth/access.js";
import { useClients, usePrincipal } from "../auth/use-session.js";
import { ErrorBanner, Loading, Notice } from "../components/feedback.js";
import { Time } from "../components/timestamp.js";
import { useCall } from "../components/use-call.js";
import { hrefOf } from "../router.js";
import { AddVersion } from "../schemas/add-version.js";
import { CreateSchemaForm } from "../schemas/create-schema-form.js";
import { versionText } from "../schemas/schema-json.js";
import { VersionDiff } from "../schemas/version-diff.js";
import { VersionTable } from "../schemas/version-table.js";
import "../components/panels.css";

/** The schemas of a project with their latest version; admins create new ones here. */
export function SchemasPage({ project }: { project: string }): ReactNode {
  const clients = useClients();
  const principal = usePrincipal();
  const load = useCallback(
    () =>
      allPages(async (pageToken) => {
        const res = await clients.schema.listSchemas({ project, pageToken, pageSize: 100 });
        return { items: res.schemas, nextPageToken: res.nextPageToken };
      }),
    [clients, project],
  );
  const schemas = useCall(load);
  return (
    <section aria-labelledby="schemas-title">
      <h1 id="schemas-title">Schemas of {project}</h1>
      <ErrorBanner error={schemas.error} />
      {schemas.data === undefined ? (
        schemas.loading ? (
          <Loading what="schemas" />
        ) : null
      ) : schemas.data.length === 0 ? (
        <p>No schemas yet.</p>
      ) : (
        <table aria-label="Schemas">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Latest version</th>
              <th scope="col">Description</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {schemas.data.map((s) => (
              <tr key={s.name}>
                <td>
                  <a href={hrefOf({ page: "schema", project, name: s.name })}>{s.name}</a>
                </td>
                <td>{s.latestVersion}</td>
                <td>{s.description}</td>
                <td>
                  <Time ts={s.updateTime} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {can(principal, "admin", project) ? <CreateSchemaForm project={project} /> : null}
    </section>
  );
}

/** One schema: its versions, the text of one, the diff of two, and adding a version. */
export function SchemaPage({ project, name }: { project: string; name: string }): ReactNode {
  const clients = useClients();
  const principal = usePrincipal();
  const load = useCallback(async () => {
    const [got, versions] = await Promise.all([
      clients.schema.getSchema({ project, name }),
      allPages(async (pageToken) => {
        const res = await clients.schema.listSchemaVersions({
          project,
          name,
          pageToken,
          pageSize: 100,
          includeContent: true,
        });
        return { items: res.schemaVersions, nextPageToken: res.nextPageToken };
      }, 1000),
    ]);
    return { schema: got.schema, versions };
  }, [clients, project, name]);
  const data = useCall(load);
  const [shown, setShown] = useState<number>();
  const [notice, setNotice] = useState<string>();
  const versions = data.data?.versions ?? [];
  const latest = versions[0];
  const shownVersion = versions.find((v) => v.version === shown) ?? latest;
  return (
    <section aria-labelledby="schema-title">
      <h1 id="schema-title">Schema {name}</h1>
      <p>
        <a href={hrefOf({ page: "schemas", project })}>All schemas of {project}</a>
      </p>
      {data.data?.schema?.description ? <p>{data.data.schema.description}</p> : null}
      <ErrorBanner error={data.error} />
      <Notice text={notice} />
      {data.data === undefined ? (
        data.loading ? (
          <Loading what="the schema" />
        ) : null
      ) : (
        <>
          <VersionTable
            versions={versions}
            shown={shownVersion?.version}
            onShow={(v) => setShown(v)}
          />
          {shownVersion !== undefined ? (
            <section aria-labelledby="schema-text-title">
              <h2 id="schema-text-title">Version {shownVersion.version}</h2>
              <pre className="code" aria-label={`Text of version ${shownVersion.version}`}>
                {versionText(shownVersion)}
              </pre>
            </section>
          ) : null}
          {versions.length > 1 ? (
            <VersionDiff key={`diff:${name}@${latest?.version}`} versions={versions} />
          ) : null}
          {can(principal, "admin", project) && latest !== undefined ? (
            <AddVersion
              key={`add:${name}@${latest.version}`}
              project={project}
              name={name}
              latest={latest.version}
              latestText={versionText(latest)}
              latestFormatMode={latest.formatMode}
              onAdded={(v) => {
                setNotice(`Version ${v} added.`);
                setShown(undefined);
                data.reload();
              }}
            />
          ) : null}
        </>
      )}
    </section>
  );
}
