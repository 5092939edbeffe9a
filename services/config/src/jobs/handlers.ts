import type { ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { JobService } from "@guardian/api";
import type { JobQueue } from "@guardian/db";
import { definePaging } from "@guardian/kit";
import { checkJobIdRequest, checkListDeadJobsRequest } from "./check.js";
import { jobToProto } from "./convert.js";

const paging = definePaging({ id: "int" });

function jobNotFound(id: bigint, what: string): ConnectError {
  return new ConnectError(`no ${what} with id ${id}`, Code.NotFound);
}

/**
 * The JobService handlers: each checks its request, is authorized by the RBAC interceptor
 * (global admin), calls the queue and maps the result.
 */
export function createJobHandlers(queue: JobQueue): ServiceImpl<typeof JobService> {
  return {
    async listDeadJobs(req, ctx) {
      const limit = checkListDeadJobsRequest(req);
      const after = paging.read(ctx, req)?.id ?? 0n;
      const rows = await queue.listDead({
        ...(req.queue === "" ? {} : { queue: req.queue }),
        after,
        limit: limit + 1,
      });
      const page = paging.page(ctx, req, rows, limit, (last) => ({ id: last.id }));
      return { jobs: page.items.map(jobToProto), nextPageToken: page.nextPageToken };
    },
    async getJob(req) {
      const id = checkJobIdRequest(req);
      const job = await queue.get(id);
      if (job === undefined) throw jobNotFound(id, "job");
      return { job: jobToProto(job) };
    },
    async retryJob(req) {
      const id = checkJobIdRequest(req);
      if (!(await queue.retry(id))) throw jobNotFound(id, "dead job");
      const job = await queue.get(id);
      // A worker may already have run it to completion.
      return job === undefined ? {} : { job: jobToProto(job) };
    },
    async discardJob(req) {
      const id = checkJobIdRequest(req);
      if (!(await queue.discard(id))) throw jobNotFound(id, "dead job");
      return {};
    },
    async getQueueStats() {
      const counts = await queue.counts();
      return {
        queues: counts.map((c) => ({
          queue: c.queue,
          waiting: BigInt(c.waiting),
          running: BigInt(c.running),
          dead: BigInt(c.dead),
        })),
      };
    },
  };
}
