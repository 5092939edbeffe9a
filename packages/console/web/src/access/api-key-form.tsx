import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ApiKeyScope } from "@guardian/api";
import { useState, type FormEvent, type ReactNode } from "react";
import { describeError } from "../api/errors.js";
import { useClients } from "../auth/use-session.js";
import { ErrorBanner } from "../components/feedback.js";
import { parseLocalDateTime } from "../components/timestamp.js";

/** The form that creates an API key: name, scope, key prefix and an optional expiry. */
export function ApiKeyForm(props: {
  project: string;
  onCreated: (keyName: string, secret: string) => void;
}): ReactNode {
  const clients = useClients();
  const [name, setName] = useState("");
  const [scope, setScope] = useState(ApiKeyScope.READ);
  const [keyPrefix, setKeyPrefix] = useState("");
  const [expires, setExpires] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const expireDate = parseLocalDateTime(expires);
    setBusy(true);
    try {
      const res = await clients.auth.createApiKey({
        project: props.project,
        name,
        scope,
        keyPrefix,
        expireTime: expireDate === undefined ? undefined : timestampFromDate(expireDate),
      });
      setName("");
      setKeyPrefix("");
      setExpires("");
      props.onCreated(res.apiKey?.name ?? name, res.secret);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label="New API key">
      <h3>New API key</h3>
      <div className="inline">
        <label>
          Key name
          <input
            name="name"
            required
            pattern="[a-z0-9_\-]+"
            maxLength={63}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label>
          Scope
          <select
            name="scope"
            value={scope}
            onChange={(e) => setScope(Number(e.target.value) as ApiKeyScope)}
          >
            <option value={ApiKeyScope.READ}>Read</option>
            <option value={ApiKeyScope.READ_WRITE}>Read and update</option>
          </select>
        </label>
        <label>
          Key prefix (optional)
          <input
            name="keyPrefix"
            placeholder="whole project"
            value={keyPrefix}
            onChange={(e) => setKeyPrefix(e.target.value)}
          />
        </label>
        <label>
          Expires (optional)
          <input
            name="expires"
            type="datetime-local"
            value={expires}
            onChange={(e) => setExpires(e.target.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          Create API key
        </button>
      </div>
      <ErrorBanner error={error} />
    </form>
  );
}
