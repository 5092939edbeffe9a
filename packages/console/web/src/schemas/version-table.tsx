import type { SchemaVersion } from "@guardian/api";
import type { ReactNode } from "react";
import { Time } from "../components/timestamp.js";
import { formatModeName } from "./format-mode.js";

/**
 * The versions of a schema, newest first, each with its format mode and a button that shows
 * its text.
 */
export function VersionTable(props: {
  versions: SchemaVersion[];
  shown: number | undefined;
  onShow: (version: number) => void;
}): ReactNode {
  return (
    <table aria-label="Versions">
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Author</th>
          <th scope="col">Added</th>
          <th scope="col">Format</th>
          <th scope="col">Message</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.versions.map((v) => (
          <tr key={v.version} aria-current={v.version === props.shown ? "true" : undefined}>
            <td>
              {v.version}
              {v.forced ? " (forced)" : ""}
            </td>
            <td>{v.createdBy}</td>
            <td>
              <Time ts={v.createTime} />
            </td>
            <td>{formatModeName(v.formatMode)}</td>
            <td>{v.message}</td>
            <td>
              <button
                type="button"
                onClick={() => props.onShow(v.version)}
                disabled={v.version === props.shown}
              >
                Show version {v.version}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
