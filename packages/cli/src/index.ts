/**
 * The guardian command line: `dev` (embedded), `serve` (production services), `migrate`.
 */
export { configSpecs, knownVariables } from "./config-specs.js";
