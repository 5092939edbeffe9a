import { useCallback, useState, type ReactNode } from "react";
import { ChangeType, type Revision } from "@guardian/api";
import { allPages } from "../api/pages.js";
import { can } from "../auth/access.js";
import { useClients, usePrincipal } from "../auth/use-session.js";
import { ErrorBanner, Loading, Notice } from "../components/feedback.js";
import { useCall } from "../components/use-call.js";
import { Time } from "../components/timestamp.js";
import { RevisionDiff } from "../configs/revision-diff.js";
import { RollbackForm } from "../configs/rollback-form.js";
import { hrefOf } from "../router.js";

const changeNames: Record<ChangeType, string> = {
  [ChangeType.UNSPECIFIED]: "",
  [ChangeType.CREATE]: "created",
  [ChangeType.UPDATE]: "updated",
  [ChangeType.DELETE]: "deleted",
  [ChangeType.ROLLBACK]: "rolled back",
};

const changeOf = (r: Revision) =>
  r.changeType === ChangeType.ROLLBACK
    ? `rolled back to ${r.rolledBackFrom}`
    : changeNames[r.changeType];

/** The revision timeline of a config: compare any two revisions, roll back to one. */
export function HistoryPage(props: { project: string; configKey: string }): ReactNode {
  const { project, configKey: key } = props;
  const clients = useClients();
  const principal = usePrincipal();
  const load = useCallback(
    () =>
      allPages(async (pageToken) => {
        const res = await clients.config.listRevisions({ project, key, pageToken, pageSize: 500 });
        return { items: res.revisions, nextPageToken: res.nextPageToken };
      }),
    [clients, project, key],
  );
  const revisions = useCall(load);
  const [picked, setPicked] = useState<{ from?: bigint; to?: bigint }>({});
  const [notice, setNotice] = useState<string>();
  const list = revisions.data ?? [];
  const from = picked.from ?? list[1]?.revision ?? list[0]?.revision;
  const to = picked.to ?? list[0]?.revision;
  return (
    <section aria-labelledby="history-title">
      <h1 id="history-title">History of {key}</h1>
      <p>
        <a href={hrefOf({ page: "editor", project, key })}>Back to the editor</a>
      </p>
      <ErrorBanner error={revisions.error} />
      <Notice text={notice} />
      {revisions.data === undefined ? (
        revisions.loading ? (
          <Loading what="the history" />
        ) : null
      ) : (
        <table aria-label="Revisions">
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Revision</th>
              <th scope="col">Change</th>
              <th scope="col">Author</th>
              <th scope="col">Time</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => {
              const n = r.revision.toString();
              return (
                <tr key={n}>
                  <td>
                    <input
                      type="radio"
                      name="from"
                      aria-label={`Compare from revision ${n}`}
                      checked={from === r.revision}
                      onChange={() => setPicked((p) => ({ ...p, from: r.revision }))}
                    />
                  </td>
                  <td>
                    <input
                      type="radio"
                      name="to"
                      aria-label={`Compare to revision ${n}`}
                      checked={to === r.revision}
                      onChange={() => setPicked((p) => ({ ...p, to: r.revision }))}
                    />
                  </td>
                  <td>{n}</td>
                  <td>{changeOf(r)}</td>
                  <td>{r.author}</td>
                  <td>
                    <Time ts={r.createTime} fallback="" />
                  </td>
                  <td>{r.message}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {from !== undefined && to !== undefined ? (
        <section aria-labelledby="compare-title">
          <h2 id="compare-title">
            Revision {from.toString()} and revision {to.toString()}
          </h2>
          <RevisionDiff project={project} configKey={key} from={from} to={to} />
        </section>
      ) : null}
      {revisions.data !== undefined && can(principal, "write", project) ? (
        <section aria-labelledby="rollback-title">
          <h2 id="rollback-title">Roll back</h2>
          <RollbackForm
            project={project}
            configKey={key}
            revisions={list}
            suggested={from}
            onDone={(text) => {
              setNotice(text);
              setPicked({});
              revisions.reload();
            }}
          />
        </section>
      ) : null}
    </section>
  );
}
