import type { SchemaVersion } from "@guardian/api";
import { useState, type ReactNode } from "react";
import { DiffView } from "../components/diff-view.js";
import { versionText } from "./schema-json.js";

/**
 * The differences between two versions of a schema (each pretty-printed), chosen with two
 * selects; at first the version before the latest against the latest.
 */
export function VersionDiff({ versions }: { versions: SchemaVersion[] }): ReactNode {
  const numbers = versions.map((v) => v.version);
  const latest = numbers[0] ?? 1;
  const [from, setFrom] = useState(numbers[1] ?? latest);
  const [to, setTo] = useState(latest);
  const byNumber = (n: number) => versions.find((v) => v.version === n);
  const select = (label: string, value: number, set: (n: number) => void) => (
    <label>
      {label}
      <select value={value} onChange={(e) => set(Number(e.target.value))}>
        {numbers.map((n) => (
          <option key={n} value={n}>
            Version {n}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <section aria-labelledby="schema-diff-title">
      <h2 id="schema-diff-title">Compare versions</h2>
      <div className="inline">
        {select("From version", from, setFrom)}
        {select("To version", to, setTo)}
      </div>
      <DiffView
        before={versionText(byNumber(from))}
        after={versionText(byNumber(to))}
        beforeLabel={`Version ${from}`}
        afterLabel={`Version ${to}`}
      />
    </section>
  );
}
