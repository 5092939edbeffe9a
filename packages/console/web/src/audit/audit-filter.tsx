import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AuditEventFilterSchema, AuditResult, type AuditEventFilter } from "@guardian/api";
import { useState, type FormEvent, type ReactNode } from "react";
import { parseLocalDateTime } from "../components/timestamp.js";

/** What the filter form holds, as typed. */
interface Fields {
  actor: string;
  action: string;
  target: string;
  project: string;
  result: AuditResult;
  from: string;
  to: string;
}

const empty: Fields = {
  actor: "",
  action: "",
  target: "",
  project: "",
  result: AuditResult.UNSPECIFIED,
  from: "",
  to: "",
};

/** The labels of the audit outcomes. */
export const resultLabels: [AuditResult, string][] = [
  [AuditResult.OK, "OK"],
  [AuditResult.DENIED, "Denied"],
  [AuditResult.FAILED, "Failed"],
  [AuditResult.PENDING, "Pending"],
];

function toFilter(f: Fields): AuditEventFilter {
  const from = parseLocalDateTime(f.from);
  const to = parseLocalDateTime(f.to);
  return create(AuditEventFilterSchema, {
    actor: f.actor.trim(),
    action: f.action.trim(),
    target: f.target.trim(),
    project: f.project.trim(),
    result: f.result,
    startTime: from === undefined ? undefined : timestampFromDate(from),
    endTime: to === undefined ? undefined : timestampFromDate(to),
  });
}

/**
 * The filters ListAuditEvents and ListProjectAuditEvents offer: actor, action and target
 * (exact, or a prefix ending in `*`), outcome, a time range and, across projects, the project.
 */
export function AuditFilterForm(props: {
  withProject: boolean;
  onApply: (filter: AuditEventFilter) => void;
}): ReactNode {
  const [fields, setFields] = useState<Fields>(empty);
  const set = (name: keyof Fields) => (value: string) =>
    setFields((f) => ({ ...f, [name]: name === "result" ? Number(value) : value }));
  const text = (name: keyof Fields, label: string, type = "text", placeholder?: string) => (
    <label>
      {label}
      <input
        name={name}
        type={type}
        placeholder={placeholder}
        value={String(fields[name])}
        onChange={(e) => set(name)(e.target.value)}
      />
    </label>
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onApply(toFilter(fields));
  };
  return (
    <form onSubmit={submit} aria-label="Filter events" className="inline">
      {text("actor", "Actor")}
      {text("action", "Action", "text", "guardian.config.v1.*")}
      {text("target", "Target", "text", "projects/payments/*")}
      {props.withProject ? text("project", "Project") : null}
      <label>
        Outcome
        <select name="result" value={fields.result} onChange={(e) => set("result")(e.target.value)}>
          <option value={AuditResult.UNSPECIFIED}>Any</option>
          {resultLabels.map(([r, label]) => (
            <option key={r} value={r}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {text("from", "From", "datetime-local")}
      {text("to", "Until", "datetime-local")}
      <button type="submit">Apply filters</button>
      <button
        type="button"
        onClick={() => {
          setFields(empty);
          props.onApply(toFilter(empty));
        }}
      >
        Clear filters
      </button>
    </form>
  );
}
