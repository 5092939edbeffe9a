import { fromJson, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import { JobState, type JobSchema } from "@guardian/api";
import type { Job } from "@guardian/db";

const states = {
  waiting: JobState.WAITING,
  running: JobState.RUNNING,
  dead: JobState.DEAD,
} as const;

/** A stored job as the `guardian.config.v1.Job` message. */
export function jobToProto(job: Job): MessageInitShape<typeof JobSchema> {
  return {
    id: job.id,
    queue: job.queue,
    task: job.task,
    payload: fromJson(ValueSchema, job.payload as JsonValue),
    priority: job.priority,
    runTime: timestampFromDate(job.runAt),
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    lastError: job.lastError ?? "",
    jobKey: job.jobKey ?? "",
    lockedBy: job.lockedBy ?? "",
    ...(job.lockedAt ? { lockTime: timestampFromDate(job.lockedAt) } : {}),
    createTime: timestampFromDate(job.createdAt),
    updateTime: timestampFromDate(job.updatedAt),
    state: states[job.state],
  };
}
