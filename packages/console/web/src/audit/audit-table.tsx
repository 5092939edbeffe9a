import type { JsonObject } from "@bufbuild/protobuf";
import { AuditResult, type AuditEvent } from "@guardian/api";
import type { ReactNode } from "react";
import { Time } from "../components/timestamp.js";
import { resultLabels } from "./audit-filter.js";

const resultLabel = (e: AuditEvent): string => {
  const label = resultLabels.find(([r]) => r === e.result)?.[1] ?? "Unknown";
  return e.result === AuditResult.OK || e.errorCode === "" ? label : `${label} (${e.errorCode})`;
};

const detailText = (detail: JsonObject | undefined): string =>
  detail === undefined || Object.keys(detail).length === 0
    ? ""
    : Object.entries(detail)
        .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(", ");

/** Audit events, newest first: time, actor, action, target, outcome and details. */
export function AuditTable({ events }: { events: AuditEvent[] }): ReactNode {
  return (
    <table aria-label="Audit events" className="audit">
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Actor</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">Outcome</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id}>
            <td>
              <Time ts={e.time} />
            </td>
            <td>{e.actor || "(anonymous)"}</td>
            <td>
              <code>{e.action}</code>
            </td>
            <td>{e.target}</td>
            <td>{resultLabel(e)}</td>
            <td className="details" title={e.requestId ? `Request ${e.requestId}` : undefined}>
              {detailText(e.detail)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
