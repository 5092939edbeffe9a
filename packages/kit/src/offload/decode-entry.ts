import { parentPort } from "node:worker_threads";
import type { DescMessage, DescService } from "@bufbuild/protobuf";
import * as api from "@guardian/api";
import { decodeRequest, type DecodeTask, type DecodedRequest } from "./decode-task.js";

/** A request to the decoding thread: a method's path (`service/method`) and its body. */
export interface DecodeJob {
  id: number;
  path: string;
  task: DecodeTask;
}

/** The decoding thread's answer to a {@link DecodeJob}. */
export interface DecodeAnswer {
  id: number;
  decoded: DecodedRequest | undefined;
}

const inputs = new Map<string, DescMessage>();
for (const value of Object.values(api)) {
  const service = value as Partial<DescService>;
  if (service.kind !== "service" || service.methods === undefined) continue;
  for (const method of service.methods)
    inputs.set(`${service.typeName}/${method.name}`, method.input);
}

parentPort!.on("message", (job: DecodeJob) => {
  const schema = inputs.get(job.path);
  let decoded: DecodedRequest | undefined;
  try {
    decoded = schema && decodeRequest(schema, job.task);
  } catch {
    decoded = undefined;
  }
  parentPort!.postMessage({ id: job.id, decoded } satisfies DecodeAnswer);
});
