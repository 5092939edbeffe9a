import { useState, type FormEvent, type ReactNode } from "react";
import { ChangeType, type Revision } from "@guardian/api";
import { describeError } from "../api/errors.js";
import { useClients } from "../auth/use-session.js";
import { ErrorBanner } from "../components/feedback.js";

/**
 * Rolls the config back to one of its revisions with a message: a new revision whose content,
 * schema binding and labels are the old revision's (history is never rewritten).
 */
export function RollbackForm(props: {
  project: string;
  configKey: string;
  revisions: readonly Revision[];
  /** The revision preselected (the one picked to compare from). */
  suggested: bigint | undefined;
  onDone(text: string): void;
}): ReactNode {
  const clients = useClients();
  const { project, configKey: key, revisions } = props;
  const restorable = revisions.filter((r) => r.changeType !== ChangeType.DELETE);
  const [picked, setPicked] = useState<string>();
  const [message, setMessage] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const target = picked ?? props.suggested?.toString() ?? restorable[0]?.revision.toString() ?? "";
  const newest = revisions[0];
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const res = await clients.config.rollbackConfig({
        project,
        key,
        toRevision: BigInt(target),
        // Based on the newest revision shown: a deleted config is expected not to exist.
        expectedVersion:
          newest === undefined
            ? undefined
            : newest.changeType === ChangeType.DELETE
              ? 0n
              : newest.revision,
        message,
      });
      setMessage("");
      props.onDone(`Rolled back to revision ${target}: version ${res.revision} restores it.`);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Roll back" className="inline">
      <label>
        Revision to restore
        <select value={target} onChange={(e) => setPicked(e.target.value)}>
          {restorable.map((r) => (
            <option key={r.revision.toString()} value={r.revision.toString()}>
              {r.revision.toString()}
              {r.message ? ` — ${r.message}` : ""}
            </option>
          ))}
        </select>
      </label>
      <label>
        Rollback message
        <input name="message" value={message} onChange={(e) => setMessage(e.target.value)} />
      </label>
      <button type="submit" disabled={busy || target === ""}>
        Roll back
      </button>
      <ErrorBanner error={error} />
    </form>
  );
}
