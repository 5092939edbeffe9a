import { diffLines } from "diff";
import type { ReactNode } from "react";

/** One row of a side-by-side diff: the left and right line, either of which may be absent. */
interface Row {
  readonly left?: string;
  readonly right?: string;
  readonly kind: "same" | "removed" | "added" | "changed";
}

/** Pairs the lines of two texts for a side-by-side view. */
export function sideBySide(before: string, after: string): Row[] {
  const rows: Row[] = [];
  const parts = diffLines(before, after);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const lines = splitLines(part.value);
    if (!part.added && !part.removed) {
      for (const line of lines) rows.push({ left: line, right: line, kind: "same" });
      continue;
    }
    const next = parts[i + 1];
    if (part.removed && next?.added) {
      const added = splitLines(next.value);
      for (let j = 0; j < Math.max(lines.length, added.length); j++) {
        rows.push({ left: lines[j], right: added[j], kind: "changed" });
      }
      i++;
      continue;
    }
    for (const line of lines) {
      rows.push(part.added ? { right: line, kind: "added" } : { left: line, kind: "removed" });
    }
  }
  return rows;
}

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** Two texts side by side, changed lines marked. */
export function DiffView(props: {
  before: string;
  after: string;
  beforeLabel: string;
  afterLabel: string;
}): ReactNode {
  const rows = sideBySide(props.before, props.after);
  const changed = rows.filter((r) => r.kind !== "same").length;
  return (
    <table
      className="diff"
      aria-label={`Differences between ${props.beforeLabel} and ${props.afterLabel}`}
    >
      <caption>
        {changed === 0 ? "No differences" : `${changed} changed line${changed === 1 ? "" : "s"}`}
      </caption>
      <thead>
        <tr>
          <th scope="col">{props.beforeLabel}</th>
          <th scope="col">{props.afterLabel}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i} className={row.kind}>
            <td className={row.left === undefined ? "empty" : ""}>
              <pre>{row.left ?? ""}</pre>
            </td>
            <td className={row.right === undefined ? "empty" : ""}>
              <pre>{row.right ?? ""}</pre>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
