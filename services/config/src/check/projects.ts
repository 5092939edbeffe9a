import { checkLabels, checkProjectName } from "@guardian/api";
import type {
  CreateProjectRequest,
  HistoryRetention,
  DeleteProjectRequest,
  GetProjectRequest,
  ListProjectsRequest,
  UpdateProjectRequest,
} from "@guardian/api";
import { failOn, maxLength, notNegative } from "@guardian/kit";

/** Validates a CreateProject request. */
export function checkCreateProjectRequest(req: CreateProjectRequest): void {
  failOn([
    ["project", checkProjectName(req.project)],
    ["display_name", maxLength(req.displayName, 200)],
    ["description", maxLength(req.description, 2000)],
    ["labels", checkLabels(req.labels)],
    ...checkHistoryRetention(req.historyRetention),
  ]);
}

/** The most days of history a policy may keep (about a century), and of revisions per config. */
const maxHistoryDays = 36_500;
const maxHistoryRevisions = 1_000_000;

/** Checks a history retention policy's bounds (unset: keep forever). */
function checkHistoryRetention(
  policy: HistoryRetention | undefined,
): Array<[string, string | undefined]> {
  const days = policy?.maxAgeDays ?? 0;
  const revisions = policy?.minRevisionsPerConfig ?? 0;
  return [
    [
      "history_retention.max_age_days",
      days > maxHistoryDays
        ? `must be at most ${maxHistoryDays} (0 keeps history forever)`
        : undefined,
    ],
    [
      "history_retention.min_revisions_per_config",
      revisions > maxHistoryRevisions ? `must be at most ${maxHistoryRevisions}` : undefined,
    ],
  ];
}

/** Validates a GetProject request. */
export function checkGetProjectRequest(req: GetProjectRequest): void {
  failOn([["project", checkProjectName(req.project)]]);
}

/** Validates a ListProjects request. */
export function checkListProjectsRequest(req: ListProjectsRequest): void {
  failOn([
    ["page_size", notNegative(req.pageSize)],
    ["label_selector", checkLabels(req.labelSelector)],
  ]);
}

const projectPaths = new Set(["display_name", "description", "labels", "history_retention"]);
const allowedPaths = [...projectPaths].join(", ");

/** Validates an UpdateProject request and returns the paths of its update mask. */
export function checkUpdateProjectRequest(req: UpdateProjectRequest): Set<string> {
  const paths = req.updateMask?.paths ?? [];
  const unknown = paths.filter((p) => !projectPaths.has(p));
  failOn([
    ["project", checkProjectName(req.project)],
    [
      "update_mask",
      paths.length === 0
        ? `must name at least one of ${allowedPaths}`
        : unknown.length > 0
          ? `unknown paths ${unknown.map((p) => `"${p}"`).join(", ")}; allowed: ${allowedPaths}`
          : undefined,
    ],
    ["display_name", maxLength(req.displayName, 200)],
    ["description", maxLength(req.description, 2000)],
    ["labels", checkLabels(req.labels)],
    ...checkHistoryRetention(req.historyRetention),
    ["expected_version", notNegative(req.expectedVersion)],
  ]);
  return new Set(paths);
}

/** Validates a DeleteProject request. */
export function checkDeleteProjectRequest(req: DeleteProjectRequest): void {
  failOn([
    ["project", checkProjectName(req.project)],
    ["expected_version", notNegative(req.expectedVersion)],
  ]);
}
