import { useState, type FormEvent, type ReactNode } from "react";
import { describeError } from "../api/errors.js";
import { useSession } from "../auth/use-session.js";
import { ErrorBanner } from "../components/feedback.js";

/** The sign-in screen: username and password for the built-in issuer. */
export function SignInPage({ reason }: { reason?: string }): ReactNode {
  const session = useSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
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
  return (
    <main className="sign-in">
      <h1>Sign in to Guardian</h1>
      {reason ? <p>{reason}</p> : null}
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
      <ErrorBanner error={error} />
    </main>
  );
}
