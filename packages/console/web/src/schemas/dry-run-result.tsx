import type { DryRunSchemaVersionResponse, Violation } from "@guardian/api";
import type { ReactNode } from "react";

/** What a candidate version would do: the configs it would break, with every violation. */
export function DryRunResult({ result }: { result: DryRunSchemaVersionResponse }): ReactNode {
  const breaking = Number(result.breakingCount);
  return (
    <section aria-labelledby="dry-run-title" className="panel">
      <h3 id="dry-run-title">Dry run of version {result.nextVersion}</h3>
      <p>
        {result.unchanged
          ? "Unchanged: the text and format mode equal the latest version, so adding it changes nothing."
          : `Checked ${result.checkedCount} config${result.checkedCount === 1n ? "" : "s"} at revision ${result.revision}: ` +
            (breaking === 0 ? "none would break." : `${breaking} would no longer validate.`)}
      </p>
      {result.warnings.length > 0 ? (
        <>
          <h4>Warnings</h4>
          <ViolationList violations={result.warnings} label="Warnings" />
        </>
      ) : null}
      {result.wouldBreak.length > 0 ? (
        <table aria-label="Configs this version would break">
          <thead>
            <tr>
              <th scope="col">Config</th>
              <th scope="col">Version</th>
              <th scope="col">Violations</th>
            </tr>
          </thead>
          <tbody>
            {result.wouldBreak.map((c) => (
              <tr key={c.key}>
                <td>{c.key}</td>
                <td>{String(c.version)}</td>
                <td>
                  <ViolationList violations={c.violations} label={`Violations of ${c.key}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {breaking > result.wouldBreak.length ? (
        <p>The first {result.wouldBreak.length} are listed.</p>
      ) : null}
    </section>
  );
}

/** Violations as a list: each pointer (the whole document when empty) and its message. */
export function ViolationList(props: { violations: Violation[]; label: string }): ReactNode {
  return (
    <ul aria-label={props.label} className="violations">
      {props.violations.map((v, i) => (
        <li key={i}>
          <code>{v.pointer === "" ? "(document)" : v.pointer}</code> {v.message}
          {v.keyword ? <span className="muted"> ({v.keyword})</span> : null}
        </li>
      ))}
    </ul>
  );
}
