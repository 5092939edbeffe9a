/**
 * The cluster service.
 */
export { createClusterRoutes, type ClusterRoutesDeps } from "./routes.js";
