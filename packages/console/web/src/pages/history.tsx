import type { ReactNode } from "react";

/** SCAFFOLD: replaced by the real screen. */
export function HistoryPage(props: { project: string; configKey: string }): ReactNode {
  return <p>HistoryPage {JSON.stringify(props)}</p>;
}
