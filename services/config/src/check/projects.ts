import { checkLabels, checkProjectName } from "@guardian/api";
import type {
  CreateProjectRequest,
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
  ]);
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

const projectPaths = new Set(["display_name", "description", "labels"]);

/** Validates an UpdateProject request and returns the paths of its update mask. */
export function checkUpdateProjectRequest(req: UpdateProjectRequest): Set<string> {
  const paths = req.updateMask?.paths ?? [];
  const unknown = paths.filter((p) => !projectPaths.has(p));
  failOn([
    ["project", checkProjectName(req.project)],
    [
      "update_mask",
      paths.length === 0
        ? "must name at least one of display_name, description, labels"
        : unknown.length > 0
          ? `unknown paths ${unknown.map((p) => `"${p}"`).join(", ")}; allowed: display_name, description, labels`
          : undefined,
    ],
    ["display_name", maxLength(req.displayName, 200)],
    ["description", maxLength(req.description, 2000)],
    ["labels", checkLabels(req.labels)],
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
