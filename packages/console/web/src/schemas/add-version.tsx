import type { DryRunSchemaVersionResponse, FormatMode } from "@guardian/api";
import { useState, type FormEvent, type ReactNode } from "react";
import { describeError } from "../api/errors.js";
import { useClients } from "../auth/use-session.js";
import { ConfirmButton } from "../components/confirm-button.js";
import { ErrorBanner } from "../components/feedback.js";
import { DryRunResult } from "./dry-run-result.js";
import { effectiveFormatMode, FormatModeSelect } from "./format-mode.js";
import { parseSchemaText, type SchemaDocument } from "./schema-json.js";

/** A dry run that was made for one text and format mode, at one latest version. */
interface Checked {
  readonly document: SchemaDocument;
  readonly formatMode: FormatMode;
  readonly result: DryRunSchemaVersionResponse;
  readonly latest: number;
}

/**
 * Adds a version to a schema, dry run first: the text is checked with DryRunSchemaVersion,
 * which lists the configs it would break, and only then can the user add it (or cancel).
 * The format mode starts as the latest version's, so the same text again adds nothing.
 */
export function AddVersion(props: {
  project: string;
  name: string;
  latest: number;
  latestText: string;
  latestFormatMode: FormatMode;
  onAdded: (version: number) => void;
}): ReactNode {
  const clients = useClients();
  const { project, name } = props;
  const [text, setText] = useState(props.latestText);
  const [formatMode, setFormatMode] = useState(effectiveFormatMode(props.latestFormatMode));
  const [message, setMessage] = useState("");
  const [checked, setChecked] = useState<Checked>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const dryRun = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setChecked(undefined);
    let document: SchemaDocument;
    try {
      document = parseSchemaText(text);
    } catch (err) {
      setError((err as Error).message);
      return;
    }
    setBusy(true);
    try {
      const result = await clients.schema.dryRunSchemaVersion({
        project,
        name,
        ...document,
        formatMode,
      });
      setChecked({ document, formatMode, result, latest: props.latest });
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  const add = async (force: boolean) => {
    if (checked === undefined) return;
    setError(undefined);
    setBusy(true);
    try {
      const res = await clients.schema.addSchemaVersion({
        project,
        name,
        ...checked.document,
        formatMode: checked.formatMode,
        message,
        force,
        expectedLatestVersion: checked.latest,
      });
      setChecked(undefined);
      setMessage("");
      props.onAdded(res.schemaVersion?.version ?? checked.latest);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  const breaking = checked !== undefined && checked.result.breakingCount > 0n;
  return (
    <section aria-labelledby="add-version-title">
      <h2 id="add-version-title">Add a version</h2>
      <form onSubmit={dryRun} aria-label="New version">
        <label>
          New version text
          <textarea
            name="content"
            rows={12}
            spellCheck={false}
            className="code"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setChecked(undefined);
            }}
          />
        </label>
        <FormatModeSelect
          value={formatMode}
          onChange={(mode) => {
            setFormatMode(mode);
            setChecked(undefined);
          }}
        />
        <label>
          Message
          <input
            name="message"
            maxLength={1000}
            value={message}
            onChange={(e) => setMessage(e.target.value)}
          />
        </label>
        <div>
          <button type="submit" disabled={busy}>
            Dry run
          </button>
        </div>
      </form>
      <ErrorBanner error={error} />
      {checked !== undefined ? (
        <>
          <DryRunResult result={checked.result} />
          <div className="actions start">
            {checked.result.unchanged ? null : breaking ? (
              <ConfirmButton
                label={`Add version ${checked.result.nextVersion} anyway`}
                question={`Add version ${checked.result.nextVersion} although ${checked.result.breakingCount} stored configs do not validate against it? They keep their content; their next write must validate.`}
                confirmLabel="Add version"
                disabled={busy}
                onConfirm={() => add(true)}
              />
            ) : (
              <button
                type="button"
                className="primary"
                disabled={busy}
                onClick={() => void add(false)}
              >
                Add version {checked.result.nextVersion}
              </button>
            )}
            <button type="button" onClick={() => setChecked(undefined)}>
              Cancel
            </button>
          </div>
        </>
      ) : null}
    </section>
  );
}
