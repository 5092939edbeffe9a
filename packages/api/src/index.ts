/**
 * Guardian's API: the generated protobuf messages, enums and service descriptors of every
 * Guardian service, plus helpers to read the access option each RPC declares.
 *
 * Glossary:
 * - **project**: a team's namespace for configs, schemas, role bindings and API keys. Its name
 *   (a slug such as `payments`) is its identifier.
 * - **key**: the identifier of a config inside its project, a `/`-separated path such as
 *   `eu/checkout/limits`. A **prefix** is a plain string prefix of keys.
 * - **revision**: the global, monotonic number the store gives every write (with gaps). Every
 *   config response carries the revision it reflects; `min_revision` asks a read to reflect
 *   at least that revision (read-your-writes across instances).
 * - **version**: a config's version is the revision of its last write (like an etcd
 *   mod_revision or a Kubernetes resourceVersion). `expected_version` compares against it:
 *   absent means unconditional, 0 means "must not exist", N means "must be at version N".
 * - **schema version**: the immutable, numbered (from 1) versions of a named JSON Schema. A
 *   config pins one, or uses 0 to follow the latest.
 * - **bookmark**: a watch message saying that every change up to its revision has been sent;
 *   resume a watch with `start_revision = revision + 1`.
 * - **resync**: a watch message saying that the requested start revision is no longer
 *   retained; a full snapshot of the watched range follows, then live changes.
 *
 * Naming: protobuf-es adds a `Schema` suffix to each message's descriptor, so `ConfigSchema`
 * is the descriptor of the `Config` message, not a JSON Schema, and `SchemaSchema` is the
 * descriptor of the `Schema` message.
 */
import { getOption, hasOption, type DescMethod } from "@bufbuild/protobuf";
import { AuthService } from "./gen/guardian/auth/v1/auth_pb.js";
import { ClusterService } from "./gen/guardian/cluster/v1/cluster_pb.js";
import { ConfigService } from "./gen/guardian/config/v1/config_pb.js";
import { WebhookService } from "./gen/guardian/config/v1/webhooks_pb.js";
import { JobService } from "./gen/guardian/config/v1/jobs_pb.js";
import { SchemaService } from "./gen/guardian/schema/v1/schema_pb.js";
import { StoreService } from "./gen/guardian/store/v1/store_pb.js";
import { access, type Access } from "./gen/guardian/v1/access_pb.js";

export * from "./gen/guardian/v1/access_pb.js";
export * from "./gen/guardian/v1/common_pb.js";
export * from "./gen/guardian/v1/errors_pb.js";
export * from "./gen/guardian/auth/v1/auth_pb.js";
export * from "./gen/guardian/config/v1/config_pb.js";
export * from "./gen/guardian/config/v1/webhooks_pb.js";
export * from "./gen/guardian/config/v1/jobs_pb.js";
export * from "./gen/guardian/schema/v1/schema_pb.js";
export * from "./gen/guardian/cluster/v1/cluster_pb.js";
export * from "./gen/guardian/store/v1/store_pb.js";
export * from "./gen/grpc/health/v1/health_pb.js";

/**
 * Lists the service descriptors of all seven Guardian services. Every method of each carries
 * the `guardian.v1.access` option. The gRPC health service is not part of it.
 */
export const guardianServices = [
  AuthService,
  ConfigService,
  WebhookService,
  JobService,
  SchemaService,
  ClusterService,
  StoreService,
] as const;

/**
 * Returns the access requirement an RPC declares with the `guardian.v1.access` option, or
 * `undefined` when the method has none (which callers must treat as "deny").
 */
export function getAccess(method: DescMethod): Access | undefined {
  return hasOption(method, access) ? getOption(method, access) : undefined;
}

export {
  checkConfigKey,
  checkIdempotencyKey,
  checkKeyPrefix,
  checkLabels,
  checkProjectName,
  checkSchemaName,
  keyInScope,
  prefixInScope,
} from "./names.js";
