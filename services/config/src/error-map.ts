import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { observedRevisionHeader } from "@guardian/store-service";
import {
  BadRequestSchema,
  LimitExceededSchema,
  ResourceInUseSchema,
  VersionConflictSchema,
} from "@guardian/api";
import {
  createErrorMapper,
  internalError,
  type FailedCall,
  invalidArgument,
  isPgError,
  pgCodes,
  pgErrorRules,
} from "@guardian/kit";

/** The request fields the error table reads. */
interface Addressed {
  project?: string;
  key?: string;
  idempotencyKey?: string;
}

const mapOther = createErrorMapper(pgErrorRules);

/**
 * The config service's one error table: maps any failure of a call to the ConnectError the
 * client sees. Codes of the store that mean something else for the RPC are translated (a
 * create's Aborted is AlreadyExists, a reused idempotency key names the client's key, a
 * watch's ResourceExhausted is a slow consumer), pg errors go through the shared table, and
 * anything unknown becomes a generic Internal error.
 */
export function toConfigError(err: unknown, call: FailedCall): ConnectError {
  const req = call.req as Addressed;
  if (err instanceof ConnectError) return fromDependency(err, call, req);
  if (call.method === "createProject" && isPgError(err, pgCodes.uniqueViolation)) {
    return new ConnectError(
      `project "${req.project}" already exists (names of deleted projects are never reused)`,
      Code.AlreadyExists,
      undefined,
      undefined,
      err,
    );
  }
  // The project was deleted while an instance of it was being recorded.
  if (call.method === "reportConfigStatus" && isPgError(err, pgCodes.foreignKeyViolation)) {
    const e = projectNotFound(req.project ?? "");
    e.cause = err;
    return e;
  }
  return mapOther(err, call.requestId);
}

/** Translates a ConnectError of the store (or another dependency) for the failing call. */
function fromDependency(err: ConnectError, call: FailedCall, req: Addressed): ConnectError {
  if (err.code === Code.Aborted && call.method === "createConfig") {
    return new ConnectError(
      `config "${req.key}" already exists in project "${req.project}"`,
      Code.AlreadyExists,
      undefined,
      undefined,
      err,
    );
  }
  if (err.code === Code.InvalidArgument && req.idempotencyKey && namesIdempotencyKey(err)) {
    const e = idempotencyKeyReused(req.idempotencyKey);
    e.cause = err;
    return e;
  }
  if (err.code === Code.ResourceExhausted && call.method === "watch") {
    return new ConnectError(
      "the watch fell too far behind (read faster); re-open it from the last revision received + 1",
      Code.ResourceExhausted,
      undefined,
      [{ desc: LimitExceededSchema, value: { limit: "watch_buffer_events" } }],
      err,
    );
  }
  // A dependency's internal error says nothing useful to our client; keep it as the cause.
  if (err.code === Code.Internal || err.code === Code.Unknown) {
    return internalError(err, call.requestId);
  }
  return err;
}

/** Tells whether an InvalidArgument names the idempotency_key field in its BadRequest detail. */
function namesIdempotencyKey(err: ConnectError): boolean {
  return err
    .findDetails(BadRequestSchema)
    .some((d) => d.fieldViolations.some((v) => v.field === "idempotency_key"));
}

/** InvalidArgument naming idempotency_key: the key was used for a different request. */
export function idempotencyKeyReused(idempotencyKey: string): ConnectError {
  return invalidArgument([
    {
      field: "idempotency_key",
      description: `"${idempotencyKey}" was already used for a different request on this config`,
    },
  ]);
}

/** NotFound for a project that does not exist. */
export function projectNotFound(project: string): ConnectError {
  return new ConnectError(`project "${project}" not found`, Code.NotFound);
}

/** NotFound for a config that does not exist (at a revision, when given). */
export function configNotFound(project: string, key: string, revision?: bigint): ConnectError {
  const at = revision ? ` at revision ${revision}` : "";
  return new ConnectError(`config "${key}" not found in project "${project}"${at}`, Code.NotFound);
}

/** Aborted with a guardian.v1.VersionConflict detail. */
export function versionConflict(c: {
  project: string;
  key?: string;
  expected: bigint;
  current: bigint;
}): ConnectError {
  const what = c.key ? `config "${c.key}"` : `project "${c.project}"`;
  return new ConnectError(
    `${what} is at version ${c.current}, not ${c.expected}`,
    Code.Aborted,
    undefined,
    [
      {
        desc: VersionConflictSchema,
        value: create(VersionConflictSchema, {
          project: c.project,
          key: c.key ?? "",
          expectedVersion: c.expected,
          currentVersion: c.current,
        }),
      },
    ],
  );
}

/**
 * The revision a refused store write says its refusal holds at: the current version of a
 * version conflict (Aborted with guardian.v1.VersionConflict), or, for a config that does not
 * exist, the store's `guardian-observed-revision` (its deletion, or later). Removes that
 * header from the error, which is the store's to the config service, not the client's.
 */
export function refusedAtRevision(err: unknown): bigint | undefined {
  if (!(err instanceof ConnectError)) return undefined;
  const observed = err.metadata.get(observedRevisionHeader);
  err.metadata.delete(observedRevisionHeader);
  if (err.code !== Code.Aborted && err.code !== Code.NotFound) return undefined;
  const current = err.findDetails(VersionConflictSchema)[0]?.currentVersion ?? 0n;
  if (current > 0n) return current;
  return observed !== null && /^[1-9][0-9]{0,18}$/.test(observed) ? BigInt(observed) : undefined;
}

/** ResourceExhausted with guardian.v1.LimitExceeded for a document over the size limit. */
export function configTooLarge(max: number, actual: number): ConnectError {
  return new ConnectError(
    `content is ${actual} bytes of JSON; the config size limit is ${max} bytes`,
    Code.ResourceExhausted,
    undefined,
    [
      {
        desc: LimitExceededSchema,
        value: { limit: "config_size_bytes", max: BigInt(max), actual: BigInt(actual) },
      },
    ],
  );
}

/** FailedPrecondition with guardian.v1.ResourceInUse: a project that still has configs. */
export function projectInUse(project: string, keys: string[], count: bigint): ConnectError {
  return new ConnectError(
    `project "${project}" still has ${count} config(s); delete them first or use force`,
    Code.FailedPrecondition,
    undefined,
    [
      {
        desc: ResourceInUseSchema,
        value: {
          resource: `projects/${project}`,
          usedBy: keys.map((k) => `projects/${project}/configs/${k}`),
          usedByCount: count,
        },
      },
    ],
  );
}

/** ResourceExhausted with guardian.v1.LimitExceeded for a count over one of the service's limits. */
export function limitExceeded(
  message: string,
  limit: string,
  max: number,
  actual: number,
): ConnectError {
  return new ConnectError(message, Code.ResourceExhausted, undefined, [
    { desc: LimitExceededSchema, value: { limit, max: BigInt(max), actual: BigInt(actual) } },
  ]);
}
