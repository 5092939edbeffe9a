import type { ManagedProcess } from "@guardian/testkit";
import type { ProcessGroups } from "../lib/cpu.js";
import type { Fixture } from "../lib/fixture.js";

/** A running Guardian deployment with the bench fixture in place. */
export interface Deployment {
  /** `embedded` or `production`. */
  readonly mode: string;
  /** Base URL of the process that serves the public RPCs. */
  readonly url: string;
  /** The process serving the public RPCs (for its RSS). */
  readonly server: ManagedProcess;
  readonly fixture: Fixture;
  /** The deployment's processes by role, for the CPU time of a load (asked at its start and end). */
  processGroups(): ProcessGroups;
  /**
   * Production only: stops the store process (SIGTERM, as an orchestrator does) and starts it
   * again on the same port; resolves with when the new command ran (`performance.now()`) and
   * the ms from it to the new process's `/readyz` answering 200.
   */
  restartStore?(): Promise<{ startedAt: number; readyMs: number }>;
  /** Stops every process of the deployment and removes its data. */
  stop(): Promise<void>;
}

/** Environment both modes share: long-lived tokens, quiet logs. */
export const commonEnv = {
  GUARDIAN_LOG_LEVEL: "warn",
  // A full run outlasts the default 15 minute access token.
  GUARDIAN_ACCESS_TOKEN_TTL: "2h",
  // propagation_10000 holds 10,000 watch streams open while it writes: past the default
  // limit of open calls per process (10,000), raised as a deployment of that size would.
  GUARDIAN_MAX_OPEN_CALLS: "50000",
};
