import { Role } from "@guardian/api";
import { useCallback, useState, type FormEvent, type ReactNode } from "react";
import { describeError } from "../api/errors.js";
import { allPages } from "../api/pages.js";
import { useClients } from "../auth/use-session.js";
import { ConfirmButton } from "../components/confirm-button.js";
import { ErrorBanner, Loading, Notice } from "../components/feedback.js";
import { Time } from "../components/timestamp.js";
import { useCall } from "../components/use-call.js";

const roleLabels: [Role, string][] = [
  [Role.VIEWER, "Viewer"],
  [Role.EDITOR, "Editor"],
  [Role.ADMIN, "Admin"],
];

/** The name of a project role. */
export const roleLabel = (role: Role): string =>
  roleLabels.find(([r]) => r === role)?.[1] ?? "Unknown";

/**
 * The role bindings of a project: everyone who reads them sees the list; admins (`manage`)
 * grant roles and revoke bindings.
 */
export function RoleBindings(props: {
  project: string;
  manage: boolean;
  /** Called after a change (the signed-in user's own roles may have changed). */
  onChange: () => void;
}): ReactNode {
  const { project, manage, onChange } = props;
  const clients = useClients();
  const load = useCallback(
    () =>
      allPages(async (pageToken) => {
        const res = await clients.auth.listRoleBindings({ project, pageToken, pageSize: 100 });
        return { items: res.bindings, nextPageToken: res.nextPageToken };
      }),
    [clients, project],
  );
  const bindings = useCall(load);
  const [username, setUsername] = useState("");
  const [role, setRole] = useState(Role.VIEWER);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const act = async (what: () => Promise<string>) => {
    setError(undefined);
    try {
      setNotice(await what());
      bindings.reload();
      onChange();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const grant = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await clients.auth.grantRole({ project, username, role });
      setUsername("");
      return `${username} is now ${roleLabel(role).toLowerCase()} of ${project}.`;
    });
  };
  const revoke = (user: string) =>
    act(async () => {
      await clients.auth.revokeRole({ project, username: user });
      return `The role of ${user} on ${project} was revoked.`;
    });
  return (
    <section aria-labelledby="bindings-title">
      <h2 id="bindings-title">Role bindings</h2>
      {manage ? (
        <form onSubmit={grant} aria-label="Grant a role" className="inline">
          <label>
            Username
            <input
              name="username"
              required
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          </label>
          <label>
            Role
            <select
              name="role"
              value={role}
              onChange={(e) => setRole(Number(e.target.value) as Role)}
            >
              {roleLabels.map(([r, label]) => (
                <option key={r} value={r}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Grant role</button>
        </form>
      ) : null}
      <ErrorBanner error={error ?? bindings.error} />
      <Notice text={notice} />
      {bindings.data === undefined ? (
        bindings.loading ? (
          <Loading what="role bindings" />
        ) : null
      ) : bindings.data.length === 0 ? (
        <p>No role bindings: only global roles give access to {project}.</p>
      ) : (
        <table aria-label="Role bindings">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">Since</th>
              <th scope="col">Granted by</th>
              {manage ? (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {bindings.data.map((b) => (
              <tr key={b.username}>
                <td>{b.username}</td>
                <td>{roleLabel(b.role)}</td>
                <td>
                  <Time ts={b.createTime} />
                </td>
                <td>{b.createdBy}</td>
                {manage ? (
                  <td>
                    <ConfirmButton
                      label={`Revoke ${b.username}`}
                      question={`Revoke the ${roleLabel(b.role).toLowerCase()} role of ${b.username} on ${project}?`}
                      confirmLabel="Revoke role"
                      onConfirm={() => revoke(b.username)}
                    />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
