/**
 * The schema service.
 */
export { createSchemaRoutes, type SchemaRoutesDeps } from "./routes.js";
