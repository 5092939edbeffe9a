import type { ReactNode } from "react";
import "./configs.css";
import type { LiveState } from "./watch.js";

/** Says whether a screen is following changes live or re-connecting to do so. */
export function LiveIndicator({ state }: { state: LiveState }): ReactNode {
  return (
    <span className="live" data-state={state} role="status">
      {state === "live" ? "Live" : "Reconnecting…"}
    </span>
  );
}
