import type { ConnectRouter } from "@connectrpc/connect";
import { SchemaService } from "@guardian/api";

/** Dependencies of the schema service routes. */
export type SchemaRoutesDeps = Record<string, never>;

/**
 * Registers `guardian.schema.v1.SchemaService` on a router. Methods without a handler answer
 * with the Unimplemented code.
 */
export function createSchemaRoutes(_deps: SchemaRoutesDeps = {}): (router: ConnectRouter) => void {
  return (router) => {
    router.service(SchemaService, {});
  };
}
