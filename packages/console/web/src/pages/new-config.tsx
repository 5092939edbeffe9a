import type { ReactNode } from "react";

/** SCAFFOLD: replaced by the real screen. */
export function NewConfigPage(props: { project: string }): ReactNode {
  return <p>NewConfigPage {JSON.stringify(props)}</p>;
}
