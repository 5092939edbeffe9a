import { useCallback, useState, type FormEvent, type ReactNode } from "react";
import { describeError } from "../api/errors.js";
import { allPages } from "../api/pages.js";
import { useClients } from "../auth/use-session.js";
import { ErrorBanner } from "../components/feedback.js";
import { useCall } from "../components/use-call.js";
import { parseLabels } from "../configs/config-filter-form.js";
import { valueOf } from "../configs/documents.js";
import { JsonEditor } from "../configs/json-editor.js";
import { serverViolations } from "../configs/server-answer.js";
import { useCheckedText } from "../configs/use-checked-text.js";
import { useSchemaCheck } from "../configs/use-schema-check.js";
import { ViolationList } from "../configs/violation-list.js";
import { hrefOf, navigate } from "../router.js";

/** Creates a config: its key, the schema it is bound to, labels and its JSON document. */
export function NewConfigPage({ project }: { project: string }): ReactNode {
  const clients = useClients();
  const loadSchemas = useCallback(
    () =>
      allPages(async (pageToken) => {
        const res = await clients.schema.listSchemas({ project, pageToken, pageSize: 500 });
        return { items: res.schemas, nextPageToken: res.nextPageToken };
      }),
    [clients, project],
  );
  const schemas = useCall(loadSchemas);
  const [key, setKey] = useState("");
  const [schema, setSchema] = useState("");
  const [labels, setLabels] = useState("");
  const [message, setMessage] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const chosen = schema || schemas.data?.[0]?.name || "";
  const schemaCheck = useSchemaCheck(project, chosen, 0);
  const doc = useCheckedText("{\n}\n", schemaCheck.check);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    const parsedLabels = parseLabels(labels);
    if (parsedLabels.bad !== undefined) {
      setError(`"${parsedLabels.bad}" is not a key=value label.`);
      return;
    }
    if (doc.spans === undefined) {
      setError("The document is not JSON: see the violations.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await clients.config.createConfig({
        project,
        key,
        schema: chosen,
        schemaVersion: 0,
        labels: parsedLabels.labels,
        content: valueOf(doc.text),
        message,
      });
      navigate({ page: "editor", project, key });
    } catch (err) {
      const violations = serverViolations(err);
      doc.setServerViolations(violations);
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="new-config-title">
      <h1 id="new-config-title">New config</h1>
      <p>
        <a href={hrefOf({ page: "configs", project })}>Back to the configs</a>
      </p>
      <form onSubmit={create} aria-label="New config">
        <label>
          Key
          <input
            name="key"
            required
            placeholder="eu/checkout/limits"
            value={key}
            onChange={(e) => setKey(e.target.value)}
          />
        </label>
        <label>
          Schema
          <select name="schema" required value={chosen} onChange={(e) => setSchema(e.target.value)}>
            {(schemas.data ?? []).map((s) => (
              <option key={s.name} value={s.name}>
                {s.name} (latest: v{s.latestVersion})
              </option>
            ))}
          </select>
        </label>
        {schemas.data?.length === 0 ? (
          <p>
            Every config is checked against a schema, and this project has none yet:{" "}
            <a href={hrefOf({ page: "schemas", project })}>add a schema</a> first.
          </p>
        ) : null}
        <label>
          Labels
          <input
            name="labels"
            placeholder="env=prod, team=payments"
            value={labels}
            onChange={(e) => setLabels(e.target.value)}
          />
        </label>
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
        />
        <ViolationList
          violations={doc.shown}
          source={doc.serverViolations ? "server" : "browser"}
        />
        <label>
          Message
          <input name="message" value={message} onChange={(e) => setMessage(e.target.value)} />
        </label>
        <ErrorBanner error={error ?? schemas.error ?? schemaCheck.error} />
        <div className="actions start">
          <button type="submit" disabled={busy || chosen === ""}>
            Create config
          </button>
        </div>
      </form>
    </section>
  );
}
