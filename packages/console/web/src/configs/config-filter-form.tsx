import { useState, type FormEvent, type ReactNode } from "react";
import type { ConfigFilter } from "./use-live-configs.js";

/** Labels parsed from text, or the part that is not a `key=value` pair. */
export type ParsedLabels =
  { readonly labels: Record<string, string>; readonly bad?: undefined } | { readonly bad: string };

/** Parses "env=prod, team=payments" into labels. */
export function parseLabels(text: string): ParsedLabels {
  const labels: Record<string, string> = {};
  for (const part of text.split(",")) {
    const pair = part.trim();
    if (pair === "") continue;
    const at = pair.indexOf("=");
    if (at <= 0) return { bad: pair };
    labels[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return { labels };
}

/** The list's filter: a key prefix and `key=value` labels, applied on submit. */
export function ConfigFilterForm(props: { onApply(filter: ConfigFilter): void }): ReactNode {
  const [prefix, setPrefix] = useState("");
  const [labels, setLabels] = useState("");
  const [problem, setProblem] = useState<string>();
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseLabels(labels);
    if (parsed.bad !== undefined) {
      setProblem(`"${parsed.bad}" is not a key=value label.`);
      return;
    }
    setProblem(undefined);
    props.onApply({ prefix, labels: parsed.labels });
  };
  return (
    <form onSubmit={apply} aria-label="Filter configs" className="inline">
      <label>
        Key prefix
        <input name="prefix" value={prefix} onChange={(e) => setPrefix(e.target.value)} />
      </label>
      <label>
        Labels
        <input
          name="labels"
          placeholder="env=prod, team=payments"
          value={labels}
          onChange={(e) => setLabels(e.target.value)}
          aria-invalid={problem !== undefined}
        />
      </label>
      <button type="submit">Filter</button>
      {problem !== undefined ? (
        <p role="alert" className="error">
          {problem}
        </p>
      ) : null}
    </form>
  );
}
