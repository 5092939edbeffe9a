import type { ReactNode } from "react";

/** SCAFFOLD: replaced by the real screen. */
export function EditorPage(props: { project: string; configKey: string }): ReactNode {
  return <p>EditorPage {JSON.stringify(props)}</p>;
}
