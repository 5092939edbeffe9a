import { useState, type ReactNode } from "react";
import { Notice } from "../components/feedback.js";

/**
 * A new API key secret, shown once with a Copy button. The server keeps only a hash, so the
 * secret cannot be shown again once the user leaves this screen or dismisses it.
 */
export function SecretOnce(props: {
  keyName: string;
  secret: string;
  onDismiss: () => void;
}): ReactNode {
  const [copied, setCopied] = useState<string>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied("Copied");
    } catch {
      setCopied("Could not copy: select the secret and copy it by hand.");
    }
  };
  return (
    <section aria-labelledby="secret-title" className="panel">
      <h3 id="secret-title">Secret of {props.keyName}</h3>
      <p>
        <strong>Copy this secret now: it is not shown again.</strong> Guardian keeps only a hash of
        it. Clients send it in the <code>x-api-key</code> header.
      </p>
      <p>
        <output aria-label="API key secret" className="secret code">
          {props.secret}
        </output>
      </p>
      <div className="actions start">
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={props.onDismiss}>
          Done
        </button>
      </div>
      <Notice text={copied} />
    </section>
  );
}
