/**
 * The config service.
 */
export { createConfigRoutes, type ConfigRoutesDeps } from "./routes.js";
