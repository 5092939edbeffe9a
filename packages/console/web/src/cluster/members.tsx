import { Engine, type ListMembersResponse } from "@guardian/api";
import { useCallback, type ReactNode } from "react";
import { useClients } from "../auth/use-session.js";
import { ErrorBanner, Loading } from "../components/feedback.js";
import { useCall } from "../components/use-call.js";

const engineLabel = (engine: Engine): string =>
  engine === Engine.ETCD ? "etcd (Raft)" : engine === Engine.SQL ? "SQL (embedded)" : "unknown";

/** The consensus cluster: engine, leader and term, and each member with its health. */
export function Members(): ReactNode {
  const clients = useClients();
  const load = useCallback(() => clients.cluster.listMembers({}), [clients]);
  const members = useCall(load);
  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <ErrorBanner error={members.error} />
      {members.data === undefined ? (
        members.loading ? (
          <Loading what="members" />
        ) : null
      ) : (
        <MemberTable res={members.data} />
      )}
    </section>
  );
}

function MemberTable({ res }: { res: ListMembersResponse }): ReactNode {
  const leader = res.members.find((m) => m.id === res.leaderId);
  return (
    <>
      <dl className="facts" aria-label="Cluster">
        <dt>Engine</dt>
        <dd>{engineLabel(res.engine)}</dd>
        <dt>Cluster id</dt>
        <dd>{res.clusterId || "—"}</dd>
        <dt>Leader</dt>
        <dd>{res.leaderId === "" ? "none (no quorum)" : leader?.name || res.leaderId}</dd>
        <dt>Term</dt>
        <dd>{String(res.raftTerm)}</dd>
      </dl>
      <table aria-label="Members">
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Name</th>
            <th scope="col">Address</th>
            <th scope="col">Status</th>
            <th scope="col">Role</th>
            <th scope="col">Index</th>
            <th scope="col">Version</th>
          </tr>
        </thead>
        <tbody>
          {res.members.map((m) => (
            <tr key={m.id}>
              <td>
                <code>{m.id}</code>
              </td>
              <td>{m.name || "(not started)"}</td>
              <td>{[...m.clientUrls, ...m.peerUrls].join(", ") || "—"}</td>
              <td>{m.healthy ? "Healthy" : `Unhealthy${m.error ? `: ${m.error}` : ""}`}</td>
              <td>{m.isLeader ? "Leader" : m.isLearner ? "Learner" : "Follower"}</td>
              <td>
                {String(m.raftIndex)} (applied {String(m.appliedIndex)})
              </td>
              <td>{m.version || "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
