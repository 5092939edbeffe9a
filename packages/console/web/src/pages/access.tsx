import type { ReactNode } from "react";

/** SCAFFOLD: replaced by the real screen. */
export function AccessPage(props: { project: string }): ReactNode {
  return <p>AccessPage {JSON.stringify(props)}</p>;
}
