import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ReactNode } from "react";

/** A protobuf timestamp as a `<time>` element in the user's locale; `fallback` when unset. */
export function Time({ ts, fallback = "—" }: { ts: Timestamp | undefined; fallback?: string }) {
  if (ts === undefined) return <>{fallback}</>;
  const date = timestampDate(ts);
  return <time dateTime={date.toISOString()}>{date.toLocaleString()}</time>;
}

/** The value of a `datetime-local` input as a Date, or undefined when it is empty or invalid. */
export function parseLocalDateTime(value: string): Date | undefined {
  if (value === "") return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A readable label for an unset-or-set value: the text, or a dash. */
export function orDash(text: string | undefined): ReactNode {
  return text === undefined || text === "" ? "—" : text;
}
