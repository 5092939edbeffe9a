import { FormatMode } from "@guardian/api";
import { useState, type FormEvent, type ReactNode } from "react";
import { describeError } from "../api/errors.js";
import { useClients } from "../auth/use-session.js";
import { ErrorBanner } from "../components/feedback.js";
import { navigate } from "../router.js";
import { FormatModeSelect } from "./format-mode.js";
import { parseSchemaText } from "./schema-json.js";

const starter = `{
  "type": "object",
  "properties": {},
  "additionalProperties": true
}`;

/** The form that creates a schema with its first version, then opens it. */
export function CreateSchemaForm({ project }: { project: string }): ReactNode {
  const clients = useClients();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [text, setText] = useState(starter);
  const [formatMode, setFormatMode] = useState(FormatMode.ASSERT);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    let document;
    try {
      document = parseSchemaText(text);
    } catch (err) {
      setError((err as Error).message);
      return;
    }
    setBusy(true);
    try {
      await clients.schema.createSchema({ project, name, description, ...document, formatMode });
      navigate({ page: "schema", project, name });
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label="New schema">
      <h2>New schema</h2>
      <label>
        Schema name
        <input
          name="name"
          required
          pattern="[a-z][a-z0-9._\-]*"
          maxLength={63}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <label>
        Description
        <input
          name="description"
          maxLength={2000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </label>
      <label>
        JSON Schema
        <textarea
          name="content"
          rows={10}
          spellCheck={false}
          className="code"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      <FormatModeSelect value={formatMode} onChange={setFormatMode} />
      <ErrorBanner error={error} />
      <div>
        <button type="submit" disabled={busy}>
          Create schema
        </button>
      </div>
    </form>
  );
}
