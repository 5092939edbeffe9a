import type { ReactNode } from "react";

/** SCAFFOLD: replaced by the real screen. */
export function ClusterPage(props: object): ReactNode {
  return <p>ClusterPage {JSON.stringify(props)}</p>;
}
