import type { ListDeadJobsRequest } from "@guardian/api";
import { failOn, maxLength, pageSize } from "@guardian/kit";

/** Longest queue name a filter may hold, in characters. */
const maxQueueName = 200;

/** Checks a request that names one job by id: the id must be positive. */
export function checkJobIdRequest(req: { id: bigint }): bigint {
  failOn([["id", req.id <= 0n ? "must be a positive job id" : undefined]]);
  return req.id;
}

/** Checks a ListDeadJobs request and returns its page size. */
export function checkListDeadJobsRequest(req: ListDeadJobsRequest): number {
  failOn([["queue", maxLength(req.queue, maxQueueName)]]);
  return pageSize(req.pageSize);
}
