import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range a Timestamp may hold. */
const minTimestampSeconds = -62_135_596_800n;
const maxTimestampSeconds = 253_402_300_799n;
/** About 10,000 years: the range a Duration may hold. */
const maxDurationSeconds = 315_576_000_000n;

/**
 * Why a google.protobuf.Timestamp is not one (undefined when it is): its definition allows
 * 0001-01-01 to 9999-12-31 UTC and nanos from 0 to 999,999,999. The binary protocols carry
 * any int64 and int32; a time outside that range became an Invalid Date, or one PostgreSQL
 * refuses, deep in a handler.
 */
export function timestampProblem(t: Timestamp): string | undefined {
  if (t.seconds < minTimestampSeconds || t.seconds > maxTimestampSeconds) {
    return "must be a time from 0001-01-01 to 9999-12-31 UTC";
  }
  if (t.nanos < 0 || t.nanos > 999_999_999) return "must have nanos from 0 to 999999999";
  return undefined;
}

/**
 * Why a google.protobuf.Duration is not one: its definition allows ±315,576,000,000 seconds
 * (about 10,000 years) and nanos of at most 999,999,999 with the sign of the seconds.
 */
export function durationProblem(d: Duration): string | undefined {
  if (d.seconds < -maxDurationSeconds || d.seconds > maxDurationSeconds) {
    return "must be a duration within 315576000000 seconds (about 10,000 years)";
  }
  const mixed = (d.seconds > 0n && d.nanos < 0) || (d.seconds < 0n && d.nanos > 0);
  if (d.nanos < -999_999_999 || d.nanos > 999_999_999 || mixed) {
    return "must have nanos within 999999999, of the same sign as its seconds";
  }
  return undefined;
}
