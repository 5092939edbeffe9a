// Dates, times and durations as RFC 3339 defines them (section 5.6 and appendix A).

const timePattern =
  /^([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|([+-])([0-9]{2}):([0-9]{2}))$/u;
const datePattern = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/u;
const durationTime = "(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S)";
const durationDate = "(?:[0-9]+Y(?:[0-9]+M(?:[0-9]+D)?)?|[0-9]+M(?:[0-9]+D)?|[0-9]+D)";
const durationPattern = new RegExp(
  `^P(?:[0-9]+W|${durationDate}(?:T${durationTime})?|T${durationTime})$`,
  "u",
);

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The `time` format: a full time with an offset; second 60 only at 23:59 UTC. */
export function time(value: string): boolean {
  const m = timePattern.exec(value);
  if (!m) return false;
  const [hour, minute, second] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [offsetHour, offsetMinute] = [Number(m[7] ?? 0), Number(m[8] ?? 0)];
  if (hour > 23 || minute > 59 || second > 60 || offsetHour > 23 || offsetMinute > 59) {
    return false;
  }
  if (second < 60) return true;
  const sign = m[6] === "-" ? -1 : 1;
  const utc =
    (((hour * 60 + minute - sign * (offsetHour * 60 + offsetMinute)) % 1440) + 1440) % 1440;
  return utc === 23 * 60 + 59;
}

/** The `date` part of `date-time`: a calendar date. */
function date(value: string): boolean {
  const m = datePattern.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
}

/** The `date-time` format: a date, "T" (either case) and a time. */
export function dateTime(value: string): boolean {
  const at = value.search(/[Tt]/u);
  return at === 10 && date(value.slice(0, at)) && time(value.slice(at + 1));
}

/** The `duration` format: RFC 3339 appendix A, weeks alone, every element in order. */
export function duration(value: string): boolean {
  return durationPattern.test(value);
}
