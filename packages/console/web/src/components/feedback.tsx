import type { ReactNode } from "react";

/** An error line, announced to assistive technology. */
export function ErrorBanner({ error }: { error: string | undefined }): ReactNode {
  if (error === undefined) return null;
  return (
    <p role="alert" className="error">
      {error}
    </p>
  );
}

/** A short status line (saved, copied), announced politely. */
export function Notice({ text }: { text: string | undefined }): ReactNode {
  return (
    <p role="status" className="notice">
      {text ?? ""}
    </p>
  );
}

/** Shown while the first answer is awaited. */
export function Loading({ what }: { what: string }): ReactNode {
  return <p aria-busy="true">Loading {what}…</p>;
}
