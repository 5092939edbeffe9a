import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import type { Config } from "@guardian/api";
import { describeError } from "../api/errors.js";
import { can } from "../auth/access.js";
import { useClients, usePrincipal } from "../auth/use-session.js";
import { ConfirmButton } from "../components/confirm-button.js";
import { ErrorBanner, Loading, Notice } from "../components/feedback.js";
import { ConflictPanel } from "../configs/conflict-panel.js";
import { schemaLabel, textOf, valueOf } from "../configs/documents.js";
import { Time } from "../components/timestamp.js";
import { JsonEditor } from "../configs/json-editor.js";
import { LiveIndicator } from "../configs/live-indicator.js";
import { conflictVersion, serverViolations } from "../configs/server-answer.js";
import { useCheckedText } from "../configs/use-checked-text.js";
import { useLiveConfig } from "../configs/use-live-config.js";
import { useSchemaCheck } from "../configs/use-schema-check.js";
import { ViolationList } from "../configs/violation-list.js";
import { hrefOf, navigate } from "../router.js";

/**
 * One config in a JSON editor: checked against its schema as the user types, saved with the
 * version the edit is based on, updated live while there is no unsaved edit, and a conflict
 * shown side by side when someone else saved first.
 */
export function EditorPage(props: { project: string; configKey: string }): ReactNode {
  const { project, configKey: key } = props;
  const clients = useClients();
  const principal = usePrincipal();
  const live = useLiveConfig(project, key);
  // The state the user's edit is based on: what the editor loaded, or last saved.
  const [base, setBase] = useState<Config>();
  const schemaCheck = useSchemaCheck(project, base?.schema ?? "", base?.schemaVersion ?? 0);
  const doc = useCheckedText("", schemaCheck.check);
  const [message, setMessage] = useState("");
  const [refused, setRefused] = useState(false);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const baseText = base === undefined ? "" : textOf(base.content);
  const dirty = base !== undefined && doc.text !== baseText;
  const { latest } = live;
  const { replaceText } = doc;
  useEffect(() => {
    // Follow the live config while the user has nothing unsaved.
    if (latest === undefined || dirty) return;
    if (base !== undefined && latest.version <= base.version) return;
    setBase(latest);
    replaceText(textOf(latest.content));
    setRefused(false);
  }, [latest, dirty, base, replaceText]);
  const newer = base !== undefined && latest !== undefined && latest.version > base.version;

  const save = async (expected: bigint) => {
    if (doc.spans === undefined) return setError("The document is not JSON: see the violations.");
    const sent = doc.text;
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const res = await clients.config.updateConfig({
        project,
        key,
        content: valueOf(sent),
        expectedVersion: expected,
        message,
      });
      if (res.config === undefined) throw new Error("the server answered without the config");
      live.offer(res.config);
      setBase(res.config);
      replaceText(textOf(res.config.content), sent);
      setRefused(false);
      setMessage("");
      setNotice(`Saved as version ${res.config.version}.`);
    } catch (err) {
      const current = conflictVersion(err);
      if (current !== undefined) {
        setRefused(true);
        const fresh = await clients.config.getConfig({ project, key }).catch(() => undefined);
        if (fresh?.config !== undefined) live.offer(fresh.config);
      } else {
        doc.setServerViolations(serverViolations(err));
      }
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    try {
      await clients.config.deleteConfig({ project, key, expectedVersion: base?.version, message });
      navigate({ page: "configs", project });
    } catch (err) {
      setError(describeError(err));
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (base !== undefined) void save(base.version);
  };
  const writable = can(principal, "write", project);
  return (
    <section aria-labelledby="editor-title">
      <div className="title-row">
        <h1 id="editor-title">{key}</h1>
        <LiveIndicator state={live.state} />
        <a href={hrefOf({ page: "history", project, key })}>History</a>
      </div>
      {base === undefined ? (
        live.error === undefined ? (
          <Loading what="the config" />
        ) : null
      ) : (
        <p className="meta">
          Version {base.version.toString()} · schema {schemaLabel(base)} · last written by{" "}
          {base.updatedBy} on <Time ts={base.updateTime} fallback="" />
          {dirty ? " · unsaved edit" : ""}
        </p>
      )}
      {live.deletedAt !== undefined ? (
        <p role="alert" className="error">
          This config was deleted (revision {live.deletedAt.toString()}). Its{" "}
          <a href={hrefOf({ page: "history", project, key })}>history</a> can restore it.
        </p>
      ) : null}
      <ErrorBanner error={error ?? live.error ?? schemaCheck.error} />
      <Notice text={notice} />
      {newer && dirty && latest !== undefined ? (
        <ConflictPanel
          newer={latest}
          refused={refused}
          text={doc.text}
          busy={busy}
          onSaveOver={() => void save(latest.version)}
          onDiscard={() => {
            setBase(latest);
            replaceText(textOf(latest.content));
            setRefused(false);
            setError(undefined);
          }}
        />
      ) : null}
      {base === undefined ? null : (
        <form onSubmit={submit} aria-label="Edit config">
          <span className="label" aria-hidden="true">
            Content (JSON)
          </span>
          <JsonEditor
            text={doc.text}
            generation={doc.generation}
            onChange={doc.setText}
            violations={doc.shown}
            spans={doc.spans}
            label="Content (JSON)"
            readOnly={!writable}
          />
          <ViolationList
            violations={doc.shown}
            source={doc.serverViolations ? "server" : "browser"}
          />
          {writable ? (
            <>
              <label>
                Change message
                <input
                  name="message"
                  value={message}
                  onChange={(e) => setMessage(e.target.value)}
                />
              </label>
              <div className="actions start">
                <button type="submit" disabled={busy || !dirty || newer}>
                  Save
                </button>
                <ConfirmButton
                  label="Delete config"
                  question={`Delete config ${key}? Its history is kept and can restore it.`}
                  confirmLabel="Delete config"
                  onConfirm={remove}
                />
              </div>
            </>
          ) : null}
        </form>
      )}
    </section>
  );
}
