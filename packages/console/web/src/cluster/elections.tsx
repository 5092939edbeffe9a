import { useCallback, type ReactNode } from "react";
import { useClients } from "../auth/use-session.js";
import { ErrorBanner } from "../components/feedback.js";
import { useCall } from "../components/use-call.js";
import { NameForm } from "./name-form.js";

/**
 * Elections by name (read one at a time, like locks): the current leader, the value it
 * publishes and the revision of its candidacy, which serves as its fencing token.
 */
export function Elections(props: {
  names: string[];
  onAdd: (name: string) => void;
  onRemove: (name: string) => void;
}): ReactNode {
  const clients = useClients();
  const { names } = props;
  const load = useCallback(
    () =>
      Promise.all(
        names.map(async (election) => ({
          election,
          leader: (await clients.cluster.getLeader({ election })).leader,
        })),
      ),
    [clients, names],
  );
  const elections = useCall(load);
  return (
    <section aria-labelledby="elections-title">
      <h2 id="elections-title">Elections</h2>
      <p className="muted">Elections are read by name: look one up to see its leader.</p>
      <NameForm label="Election name" button="Look up election" onAdd={props.onAdd} />
      <ErrorBanner error={elections.error} />
      {elections.data !== undefined && elections.data.length > 0 ? (
        <table aria-label="Elections">
          <thead>
            <tr>
              <th scope="col">Election</th>
              <th scope="col">Leader</th>
              <th scope="col">Value</th>
              <th scope="col">Revision</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {elections.data.map(({ election, leader }) => (
              <tr key={election}>
                <td>{election}</td>
                {leader === undefined ? (
                  <td colSpan={3}>No leader</td>
                ) : (
                  <>
                    <td>
                      <code>{leader.leaderKey}</code>
                    </td>
                    <td>{leader.value}</td>
                    <td>{String(leader.revision)}</td>
                  </>
                )}
                <td>
                  <button type="button" onClick={() => props.onRemove(election)}>
                    Stop showing {election}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
