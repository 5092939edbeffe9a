import type { ReactNode } from "react";
import type { Violation } from "./violations.js";

/** The violations of the editor's text, each with its JSON pointer, under the editor. */
export function ViolationList(props: {
  violations: readonly Violation[];
  /** Who found them: the browser's check as the user types, or the server on save. */
  source: "browser" | "server";
}): ReactNode {
  const { violations } = props;
  return (
    <div className="violations">
      <h2 id="violations-title">
        {violations.length === 0
          ? "No violations"
          : `${violations.length} violation${violations.length === 1 ? "" : "s"}${
              props.source === "server" ? " (refused by the server)" : ""
            }`}
      </h2>
      <ul role="list" aria-label="Violations">
        {violations.map((v, i) => (
          <li key={i}>
            <code>{v.keyword === "syntax" ? "syntax" : v.pointer || "(document)"}</code> {v.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
