import type { ReactNode } from "react";

/** SCAFFOLD: replaced by the real screen. */
export function ConfigsPage(props: { project: string }): ReactNode {
  return <p>ConfigsPage {JSON.stringify(props)}</p>;
}
