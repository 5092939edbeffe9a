import { Counter, type Registry } from "prom-client";
import { Code, type ConnectError, type Interceptor } from "@connectrpc/connect";
import { ConfigService, ValidationFailureSchema } from "@guardian/api";
import { toConnectError } from "@guardian/kit";

/** The config RPCs that write a config (and so reach the store). */
export const configWriteMethods: readonly string[] = [
  "CreateConfig",
  "UpdateConfig",
  "DeleteConfig",
  "RollbackConfig",
];

/** What became of one config write; see {@link configWriteOutcome}. */
export type ConfigWriteOutcome =
  | "ok"
  | "conflict"
  | "schema_rejected"
  | "invalid_argument"
  | "permission_denied"
  | "unavailable"
  | "other";

/**
 * Classifies the end of a config write: `conflict` is a failed version compare (Aborted),
 * `schema_rejected` a document its schema refused (InvalidArgument with a ValidationFailure),
 * `invalid_argument` any other bad request.
 */
export function configWriteOutcome(err: ConnectError | undefined): ConfigWriteOutcome {
  if (err === undefined) return "ok";
  switch (err.code) {
    case Code.Aborted:
      return "conflict";
    case Code.InvalidArgument:
      return err.findDetails(ValidationFailureSchema).length > 0
        ? "schema_rejected"
        : "invalid_argument";
    case Code.PermissionDenied:
      return "permission_denied";
    case Code.Unavailable:
      return "unavailable";
    default:
      return "other";
  }
}

/**
 * Registers `guardian_config_writes_total{method,outcome}` in `registry` and returns the
 * interceptor that counts every config write by {@link configWriteOutcome}. Place it before
 * authentication and RBAC, so that refused writes count too. Every method and outcome series
 * exists from the start, at 0.
 */
export function createConfigWriteMetrics(registry: Registry): Interceptor {
  const writes = new Counter({
    name: "guardian_config_writes_total",
    help: "Config writes (create, update, delete, rollback) by method and outcome.",
    labelNames: ["method", "outcome"] as const,
    registers: [registry],
  });
  const outcomes: ConfigWriteOutcome[] = [
    "ok",
    "conflict",
    "schema_rejected",
    "invalid_argument",
    "permission_denied",
    "unavailable",
    "other",
  ];
  for (const method of configWriteMethods) {
    for (const outcome of outcomes) writes.inc({ method, outcome }, 0);
  }
  const isWrite = new Set(configWriteMethods);
  // Not async itself: every other call passes straight through, without a promise of its own.
  return (next) => (req) => {
    const method = req.method.name;
    if (req.service.typeName !== ConfigService.typeName || !isWrite.has(method)) {
      return next(req);
    }
    return countWrite(next, req, method);
  };
  async function countWrite(
    next: Parameters<Interceptor>[0],
    req: Parameters<Parameters<Interceptor>[0]>[0],
    method: string,
  ) {
    try {
      const res = await next(req);
      writes.inc({ method, outcome: "ok" });
      return res;
    } catch (err) {
      const outcome = configWriteOutcome(toConnectError(err));
      writes.inc({ method, outcome });
      throw err;
    }
  }
}
