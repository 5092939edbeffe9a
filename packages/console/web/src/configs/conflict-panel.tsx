import type { ReactNode } from "react";
import type { Config } from "@guardian/api";
import { DiffView } from "../components/diff-view.js";
import { textOf } from "./documents.js";

/**
 * A newer version arrived (or a save found one) while the user had an unsaved edit: the newer
 * content beside the user's text, and the two ways on: save over it, or take it.
 */
export function ConflictPanel(props: {
  newer: Config;
  /** True when a save was refused because of it (not only announced by the live feed). */
  refused: boolean;
  text: string;
  busy: boolean;
  onSaveOver(): void;
  onDiscard(): void;
}): ReactNode {
  const { newer } = props;
  const version = newer.version.toString();
  return (
    <section className="conflict" aria-labelledby="conflict-title">
      <h2 id="conflict-title">
        {props.refused
          ? `Not saved: version ${version} was saved meanwhile`
          : `A newer version ${version} arrived while you were editing`}
      </h2>
      <p>
        {newer.updatedBy ? `${newer.updatedBy} wrote version ${version}. ` : ""}
        Your edit is kept in the editor. Save it over version {version}, or discard it and take
        version {version}.
      </p>
      <DiffView
        before={textOf(newer.content)}
        after={comparable(props.text)}
        beforeLabel={`Version ${version}`}
        afterLabel="Your edit"
      />
      <div className="actions start">
        <button type="button" className="primary" disabled={props.busy} onClick={props.onSaveOver}>
          Save over version {version}
        </button>
        <button type="button" disabled={props.busy} onClick={props.onDiscard}>
          Discard my edit
        </button>
      </div>
    </section>
  );
}

/**
 * The user's text laid out as the newer version is (two-space JSON) when it parses, so the
 * diff shows what differs rather than how it is formatted; otherwise the text as typed.
 */
function comparable(text: string): string {
  try {
    return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
  } catch {
    return text;
  }
}
