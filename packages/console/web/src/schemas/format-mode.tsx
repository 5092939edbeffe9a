import { FormatMode } from "@guardian/api";
import type { ReactNode } from "react";

/** The mode a version's `format_mode` stands for: unspecified means assert. */
export function effectiveFormatMode(mode: FormatMode | undefined): FormatMode {
  return mode === FormatMode.ANNOTATE ? FormatMode.ANNOTATE : FormatMode.ASSERT;
}

/** A short name of a version's format mode, as shown beside its other details. */
export function formatModeName(mode: FormatMode | undefined): string {
  return effectiveFormatMode(mode) === FormatMode.ANNOTATE ? "Annotate" : "Assert";
}

/** The "Format keyword" select: what `format` does for the version being created or added. */
export function FormatModeSelect(props: {
  value: FormatMode;
  onChange: (mode: FormatMode) => void;
}): ReactNode {
  return (
    <label>
      Format keyword
      <select
        name="formatMode"
        value={effectiveFormatMode(props.value)}
        onChange={(e) => props.onChange(Number(e.target.value) as FormatMode)}
      >
        <option value={FormatMode.ASSERT}>
          Assert formats (a value that does not match its format is a violation)
        </option>
        <option value={FormatMode.ANNOTATE}>Annotate only (format never fails validation)</option>
      </select>
    </label>
  );
}
