import {
  ApplyOutcome,
  checkConfigKey,
  checkKeyPrefix,
  checkLabels,
  checkProjectName,
  type ListConfigInstancesRequest,
  type ReportConfigStatusRequest,
} from "@guardian/api";
import { failOn, maxLength, notNegative, type Check } from "@guardian/kit";
import { limitExceeded } from "../error-map.js";

/** The most config statuses one ReportConfigStatus call may carry. */
export const maxStatusesPerReport = 100;

/** The longest reason of a rejection, in characters. */
export const maxReasonLength = 1000;

const instanceIdRe = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Checks an instance id: 1-128 of A-Z a-z 0-9 . _ - :, starting with a letter or digit. */
export function checkInstanceId(id: string): string | undefined {
  if (id === "") return "must not be empty";
  if (id.length > 128) return `must be at most 128 characters, got ${id.length}`;
  if (!instanceIdRe.test(id)) {
    return "must be characters of A-Z, a-z, 0-9, '.', '_', '-' and ':', starting with a letter or a digit";
  }
  return undefined;
}

function statusChecks(req: ReportConfigStatusRequest): Check[] {
  const seen = new Set<string>();
  return req.statuses.flatMap((s, i): Check[] => {
    const at = `statuses[${i}]`;
    const duplicate = seen.has(s.key) ? "appears more than once in the report" : undefined;
    seen.add(s.key);
    const outcomeProblem =
      s.outcome === ApplyOutcome.APPLIED || s.outcome === ApplyOutcome.REJECTED
        ? undefined
        : "must be APPLY_OUTCOME_APPLIED or APPLY_OUTCOME_REJECTED";
    const reasonProblem =
      s.outcome === ApplyOutcome.REJECTED
        ? s.reason === ""
          ? "is required when the outcome is APPLY_OUTCOME_REJECTED"
          : maxLength(s.reason, maxReasonLength)
        : s.outcome === ApplyOutcome.APPLIED && s.reason !== ""
          ? "must be empty when the outcome is APPLY_OUTCOME_APPLIED"
          : undefined;
    return [
      [`${at}.key`, checkConfigKey(s.key) ?? duplicate],
      [`${at}.version`, s.version > 0n ? undefined : "must be a version of the config (> 0)"],
      [`${at}.outcome`, outcomeProblem],
      [`${at}.reason`, reasonProblem],
    ];
  });
}

/** Validates a ReportConfigStatus request. */
export function checkReportConfigStatusRequest(req: ReportConfigStatusRequest): void {
  const count = req.statuses.length;
  failOn([
    ["project", checkProjectName(req.project)],
    ["instance_id", checkInstanceId(req.instanceId)],
    ["labels", checkLabels(req.labels)],
    ["statuses", count === 0 ? "must hold at least one config status" : undefined],
    // Beyond the limit only the count is reported, as ResourceExhausted.
    ...(count > maxStatusesPerReport ? [] : statusChecks(req)),
  ]);
  if (count > maxStatusesPerReport) {
    throw limitExceeded(
      `a report carries at most ${maxStatusesPerReport} config statuses, got ${count}`,
      "statuses_per_report",
      maxStatusesPerReport,
      count,
    );
  }
}

/** Validates a ListConfigInstances request. */
export function checkListConfigInstancesRequest(req: ListConfigInstancesRequest): void {
  const { target: t } = req;
  failOn([
    ["project", checkProjectName(req.project)],
    ["key", t.case === "key" ? checkConfigKey(t.value) : undefined],
    ["prefix", t.case === "prefix" ? checkKeyPrefix(t.value) : undefined],
    ["page_size", notNegative(req.pageSize)],
  ]);
}
