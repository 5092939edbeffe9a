import { useCallback, type ReactNode } from "react";
import { useClients } from "../auth/use-session.js";
import { ErrorBanner } from "../components/feedback.js";
import { Time } from "../components/timestamp.js";
import { useCall } from "../components/use-call.js";
import { NameForm } from "./name-form.js";

/**
 * Locks by name (the cluster service reads a lock by its name; it does not list them): the
 * holder, the fencing token of the holding and when it expires.
 */
export function Locks(props: {
  names: string[];
  onAdd: (name: string) => void;
  onRemove: (name: string) => void;
}): ReactNode {
  const clients = useClients();
  const { names } = props;
  const load = useCallback(
    () =>
      Promise.all(
        names.map(async (name) => ({ name, lock: (await clients.cluster.getLock({ name })).lock })),
      ),
    [clients, names],
  );
  const locks = useCall(load);
  return (
    <section aria-labelledby="locks-title">
      <h2 id="locks-title">Locks</h2>
      <p className="muted">Locks are read by name: look one up to see its holder.</p>
      <NameForm label="Lock name" button="Look up lock" onAdd={props.onAdd} />
      <ErrorBanner error={locks.error} />
      {locks.data !== undefined && locks.data.length > 0 ? (
        <table aria-label="Locks">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Holder</th>
              <th scope="col">Fencing token</th>
              <th scope="col">Acquired</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {locks.data.map(({ name, lock }) => (
              <tr key={name}>
                <td>{name}</td>
                {lock === undefined ? (
                  <td colSpan={4}>Free</td>
                ) : (
                  <>
                    <td>{lock.owner}</td>
                    <td>{String(lock.fencingToken)}</td>
                    <td>
                      <Time ts={lock.acquireTime} />
                    </td>
                    <td>
                      <Time ts={lock.expireTime} />
                    </td>
                  </>
                )}
                <td>
                  <button type="button" onClick={() => props.onRemove(name)}>
                    Stop showing {name}
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
