import type { ReactNode } from "react";

/** SCAFFOLD: replaced by the real screen. */
export function SchemasPage(props: { project: string }): ReactNode {
  return <p>SchemasPage {JSON.stringify(props)}</p>;
}

/** SCAFFOLD: replaced by the real screen. */
export function SchemaPage(props: { project: string; name: string }): ReactNode {
  return <p>SchemaPage {JSON.stringify(props)}</p>;
}
