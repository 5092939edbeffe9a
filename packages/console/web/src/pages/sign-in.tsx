import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from "react";
import { ConnectError } from "@connectrpc/connect";
import type { ExternalIssuer } from "@guardian/api";
import { describeError } from "../api/errors.js";
import {
  finishExternalSignIn,
  isExternalReturn,
  issuerLabel,
  startExternalSignIn,
} from "../auth/oidc.js";
import { useClients, useSession } from "../auth/use-session.js";
import { ErrorBanner, Loading } from "../components/feedback.js";
import { useCall } from "../components/use-call.js";

/** A failed call as the server put it; an issuer's problem as the sign-in code put it. */
function explain(err: unknown): string {
  return err instanceof Error && !(err instanceof ConnectError) ? err.message : describeError(err);
}

/**
 * The sign-in screen: username and password for the built-in issuer (unless local login is
 * off), and a "Sign in with <host>" button for each trusted external issuer (Keycloak).
 */
export function SignInPage({ reason }: { reason?: string }): ReactNode {
  const session = useSession();
  const clients = useClients();
  const oidc = useCall(useCallback(() => clients.auth.getOidcConfiguration({}), [clients]));
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string>();
  // Whether the page opened on the return from an external issuer, with a code to exchange.
  const [returning] = useState(isExternalReturn);
  const [busy, setBusy] = useState(returning);
  useEffect(() => {
    if (!returning) return;
    finishExternalSignIn(session).catch((err: unknown) => {
      setError(explain(err));
      setBusy(false);
    });
  }, [session, returning]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await session.signIn(username, password);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  const external = async (issuer: ExternalIssuer) => {
    setBusy(true);
    setError(undefined);
    try {
      await startExternalSignIn(issuer);
    } catch (err) {
      setError(explain(err));
      setBusy(false);
    }
  };
  // The password form waits for the server's answer, so that it never flashes when local
  // login is off; if the answer fails, the form is offered anyway.
  const localLogin = oidc.data ? oidc.data.localLoginEnabled : oidc.error !== undefined;
  return (
    <main className="sign-in">
      <h1>Sign in to Guardian</h1>
      {reason ? <p>{reason}</p> : null}
      {busy && returning ? <p aria-busy="true">Signing you in…</p> : null}
      {oidc.loading && oidc.data === undefined ? <Loading what="the ways to sign in" /> : null}
      {localLogin ? (
        <form onSubmit={submit} aria-label="Sign in">
          <label>
            Username
            <input
              name="username"
              autoComplete="username"
              required
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          </label>
          <label>
            Password
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </form>
      ) : null}
      {oidc.data?.externalIssuers.map((issuer) => (
        <p key={issuer.issuer}>
          <button type="button" disabled={busy} onClick={() => void external(issuer)}>
            Sign in with {issuerLabel(issuer)}
          </button>
        </p>
      ))}
      <ErrorBanner error={error ?? oidc.error} />
    </main>
  );
}
