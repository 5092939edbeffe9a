import type { ReactNode } from "react";

/** SCAFFOLD: replaced by the real screen. */
export function AuditPage(props: { project?: string }): ReactNode {
  return <p>AuditPage {JSON.stringify(props)}</p>;
}
