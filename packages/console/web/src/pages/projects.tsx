import { useCallback, useState, type FormEvent, type ReactNode } from "react";
import { describeError } from "../api/errors.js";
import { allPages } from "../api/pages.js";
import { can } from "../auth/access.js";
import { useClients, usePrincipal } from "../auth/use-session.js";
import { ConfirmButton } from "../components/confirm-button.js";
import { ErrorBanner, Loading, Notice } from "../components/feedback.js";
import { useCall } from "../components/use-call.js";
import { hrefOf, navigate } from "../router.js";

/** The projects the user can see: list, create, delete (with confirmation). */
export function ProjectsPage(): ReactNode {
  const clients = useClients();
  const principal = usePrincipal();
  const load = useCallback(
    () =>
      allPages(async (pageToken) => {
        const res = await clients.config.listProjects({ pageToken, pageSize: 100 });
        return { items: res.projects, nextPageToken: res.nextPageToken };
      }),
    [clients],
  );
  const projects = useCall(load);
  const [name, setName] = useState("");
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await clients.config.createProject({ project: name });
      setNotice(`Project ${name} created.`);
      navigate({ page: "configs", project: name });
    } catch (err) {
      setError(describeError(err));
    }
  };
  const remove = async (project: string) => {
    setError(undefined);
    try {
      const res = await clients.config.deleteProject({ project, force: true });
      setNotice(`Project ${project} deleted with ${res.deletedConfigs} configs.`);
      projects.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <section aria-labelledby="projects-title">
      <h1 id="projects-title">Projects</h1>
      {can(principal, "write") ? (
        <form onSubmit={create} aria-label="New project" className="inline">
          <label>
            Project name
            <input
              name="project"
              required
              pattern="[a-z0-9][a-z0-9\-]*"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </label>
          <button type="submit">Create project</button>
        </form>
      ) : null}
      <ErrorBanner error={error ?? projects.error} />
      <Notice text={notice} />
      {projects.data === undefined ? (
        projects.loading ? (
          <Loading what="projects" />
        ) : null
      ) : projects.data.length === 0 ? (
        <p>No projects yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {projects.data.map((p) => (
              <tr key={p.name}>
                <td>
                  <a href={hrefOf({ page: "configs", project: p.name })}>
                    {p.displayName || p.name}
                  </a>
                </td>
                <td>{p.description}</td>
                <td>
                  {can(principal, "admin", p.name) ? (
                    <ConfirmButton
                      label={`Delete ${p.name}`}
                      question={`Delete project ${p.name} and every config in it?`}
                      confirmLabel="Delete project"
                      onConfirm={() => remove(p.name)}
                    />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
