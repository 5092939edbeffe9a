import type { StoreEngine } from "./engine/types.js";

/** Dependencies of the store service handlers. */
export interface StoreServiceDeps {
  engine: StoreEngine;
}
