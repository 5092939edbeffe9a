import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { ApiKeyScope, type ApiKey } from "@guardian/api";
import { useCallback, useState, type ReactNode } from "react";
import { describeError } from "../api/errors.js";
import { allPages } from "../api/pages.js";
import { useClients } from "../auth/use-session.js";
import { ConfirmButton } from "../components/confirm-button.js";
import { ErrorBanner, Loading, Notice } from "../components/feedback.js";
import { Time } from "../components/timestamp.js";
import { useCall } from "../components/use-call.js";
import { ApiKeyForm } from "./api-key-form.js";
import { SecretOnce } from "./secret-once.js";

const scopeLabel = (scope: ApiKeyScope) =>
  scope === ApiKeyScope.READ_WRITE ? "Read and update" : "Read";

/** How long a rotated key's previous secret keeps working (RotateApiKey allows up to 7 days). */
const graceChoices: [seconds: number, label: string][] = [
  [0, "stops at once"],
  [3600, "works 1 more hour"],
  [86_400, "works 1 more day"],
  [604_800, "works 7 more days"],
];

/**
 * The API keys of a project (for its admins): list, create, rotate and revoke. A new secret
 * is held only in this component's state, so it is gone once the user leaves the screen.
 */
export function ApiKeys({ project }: { project: string }): ReactNode {
  const clients = useClients();
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const [grace, setGrace] = useState(0);
  const graceLabel = graceChoices.find(([s]) => s === grace)?.[1] ?? "";
  const load = useCallback(
    () =>
      allPages(async (pageToken) => {
        const res = await clients.auth.listApiKeys({
          project,
          pageToken,
          pageSize: 100,
          includeRevoked,
        });
        return { items: res.apiKeys, nextPageToken: res.nextPageToken };
      }),
    [clients, project, includeRevoked],
  );
  const keys = useCall(load);
  const [secret, setSecret] = useState<{ keyName: string; secret: string }>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const act = async (what: () => Promise<void>) => {
    setError(undefined);
    try {
      await what();
      keys.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const revoke = (key: ApiKey) =>
    act(async () => {
      await clients.auth.revokeApiKey({ project, id: key.id });
      setSecret(undefined);
      setNotice(`API key ${key.name} revoked.`);
    });
  const rotate = (key: ApiKey) =>
    act(async () => {
      const gracePeriod = create(DurationSchema, { seconds: BigInt(grace) });
      const res = await clients.auth.rotateApiKey({ project, id: key.id, gracePeriod });
      setSecret({ keyName: key.name, secret: res.secret });
      setNotice(`API key ${key.name} rotated: the previous secret ${graceLabel}.`);
    });
  return (
    <section aria-labelledby="api-keys-title">
      <h2 id="api-keys-title">API keys</h2>
      <ApiKeyForm
        project={project}
        onCreated={(keyName, s) => {
          setSecret({ keyName, secret: s });
          setNotice(`API key ${keyName} created.`);
          keys.reload();
        }}
      />
      {secret !== undefined ? (
        <SecretOnce {...secret} onDismiss={() => setSecret(undefined)} />
      ) : null}
      <ErrorBanner error={error ?? keys.error} />
      <Notice text={notice} />
      <label className="check">
        <input
          type="checkbox"
          checked={includeRevoked}
          onChange={(e) => setIncludeRevoked(e.target.checked)}
        />
        Show revoked and expired keys
      </label>
      <label className="check">
        When a key is rotated, its previous secret
        <select value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
          {graceChoices.map(([s, label]) => (
            <option key={s} value={s}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {keys.data === undefined ? (
        keys.loading ? (
          <Loading what="API keys" />
        ) : null
      ) : keys.data.length === 0 ? (
        <p>No API keys.</p>
      ) : (
        <table aria-label="API keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Id</th>
              <th scope="col">Scope</th>
              <th scope="col">Key prefix</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>
                  <code>{k.id}</code>
                </td>
                <td>{scopeLabel(k.scope)}</td>
                <td>{k.keyPrefix === "" ? "whole project" : k.keyPrefix}</td>
                <td>
                  <Time ts={k.createTime} /> by {k.createdBy}
                </td>
                <td>
                  <Time ts={k.expireTime} fallback="never" />
                </td>
                <td>
                  <Time ts={k.lastUsedTime} fallback="never" />
                </td>
                <td>
                  {k.revokeTime !== undefined ? (
                    <>
                      Revoked <Time ts={k.revokeTime} />
                    </>
                  ) : (
                    <div className="actions start">
                      <ConfirmButton
                        label={`Rotate ${k.name}`}
                        question={`Issue a new secret for ${k.name}? The current secret ${graceLabel}.`}
                        confirmLabel="Rotate key"
                        onConfirm={() => rotate(k)}
                      />
                      <ConfirmButton
                        label={`Revoke ${k.name}`}
                        question={`Revoke API key ${k.name}? Clients using it are refused at once.`}
                        confirmLabel="Revoke key"
                        onConfirm={() => revoke(k)}
                      />
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
