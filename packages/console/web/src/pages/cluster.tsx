import { useState, type ReactNode } from "react";
import { Elections } from "../cluster/elections.js";
import { Locks } from "../cluster/locks.js";
import { Members } from "../cluster/members.js";
import { Services } from "../cluster/services.js";
import "../components/panels.css";

const added = (names: string[], name: string) => (names.includes(name) ? names : [...names, name]);

/**
 * The cluster under Guardian as a viewer may read it: members with the leader and term,
 * locks and elections by name, and the service registry. Refresh reads everything again.
 */
export function ClusterPage(): ReactNode {
  const [round, setRound] = useState(0);
  const [locks, setLocks] = useState<string[]>([]);
  const [elections, setElections] = useState<string[]>([]);
  return (
    <section aria-labelledby="cluster-title">
      <div className="title-row">
        <h1 id="cluster-title">Cluster</h1>
        <button type="button" onClick={() => setRound((r) => r + 1)}>
          Refresh
        </button>
      </div>
      <Members key={`members-${round}`} />
      <Locks
        key={`locks-${round}`}
        names={locks}
        onAdd={(name) => setLocks((all) => added(all, name))}
        onRemove={(name) => setLocks((all) => all.filter((n) => n !== name))}
      />
      <Elections
        key={`elections-${round}`}
        names={elections}
        onAdd={(name) => setElections((all) => added(all, name))}
        onRemove={(name) => setElections((all) => all.filter((n) => n !== name))}
      />
      <Services key={`services-${round}`} />
    </section>
  );
}
