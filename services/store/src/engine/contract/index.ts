import { randomUUID } from "node:crypto";
import { afterEach, describe } from "vitest";
import type { StoreEngine } from "../types.js";
import { creatorContract } from "./creators.js";
import { groupContract } from "./groups.js";
import { historyContract } from "./history.js";
import { readContract } from "./reads.js";
import { watchContract } from "./watch.js";
import { writeContract } from "./writes.js";

export { contractEngineOptions } from "./helpers.js";

/** Opens engines on one shared backing store; each call is a new store instance. */
export type OpenEngine = () => Promise<StoreEngine>;

/** What each part of the contract gets: store instances over the same data, and fresh names. */
export interface ContractContext {
  /** Opens another store instance; it is closed after the test. */
  open: OpenEngine;
  /** Closes an instance before the test ends (a store restart). */
  close(engine: StoreEngine): Promise<void>;
  /** A project name no other test uses. */
  project(): string;
}

/**
 * Defines the store contract: the behaviour every engine must show, tested through the
 * engine interface only. `open` must return a new instance over the same data each call.
 */
export function defineStoreContract(name: string, open: OpenEngine): void {
  describe(`store contract: ${name}`, () => {
    const opened: StoreEngine[] = [];
    const ctx: ContractContext = {
      async open() {
        const engine = await open();
        opened.push(engine);
        return engine;
      },
      async close(engine) {
        await engine.close();
        opened.splice(opened.indexOf(engine), 1);
      },
      project: () => `p-${randomUUID().slice(0, 8)}`,
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((e) => e.close()));
    });

    writeContract(ctx);
    groupContract(ctx);
    readContract(ctx);
    historyContract(ctx);
    watchContract(ctx);
    creatorContract(ctx);
  });
}
