import { useCallback } from "react";
import { useClients } from "../auth/use-session.js";
import { useCall } from "../components/use-call.js";
import { checkFor, type DocumentCheck } from "./violations.js";

/** The browser's check for a schema binding, once its version is fetched. */
export interface SchemaCheck {
  readonly check: DocumentCheck | undefined;
  /** The concrete version fetched (the latest when the binding follows it). */
  readonly version: number | undefined;
  readonly error: string | undefined;
}

/**
 * Fetches the schema version a config is bound to (`version` 0: the latest, as the server
 * resolves it on save) and makes the browser's check for it. No schema: no check.
 */
export function useSchemaCheck(project: string, schema: string, version: number): SchemaCheck {
  const clients = useClients();
  const load = useCallback(async () => {
    if (schema === "") return undefined;
    const res = await clients.schema.getSchema({ project, name: schema, version });
    const found = res.schemaVersion;
    if (found === undefined) return undefined;
    return { check: checkFor(found), version: found.version };
  }, [clients, project, schema, version]);
  const call = useCall(load);
  return { check: call.data?.check, version: call.data?.version, error: call.error };
}
