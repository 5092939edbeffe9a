import {
  runCompile,
  runValidate,
  type CompileReply,
  type ValidateReply,
  type WorkerRequest,
} from "./worker-tasks.js";

/** The worker thread's task function: compiles or validates, as the request says. */
export function runTask(req: WorkerRequest): CompileReply | ValidateReply {
  return req.kind === "compile" ? runCompile(req) : runValidate(req);
}
