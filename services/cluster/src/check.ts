import type { Duration } from "@bufbuild/protobuf/wkt";
import type {
  AcquireLockRequest,
  AddMemberRequest,
  CampaignRequest,
  HeartbeatRequest,
  ProclaimRequest,
  RegisterInstanceRequest,
} from "@guardian/api";
import { failOn, maxLength, type Check } from "@guardian/kit";
import type { AcquireLockInput, CampaignInput, RegisterInput } from "./backend/types.js";

/** Bounds the service enforces on lease TTLs. */
export interface ClusterLimits {
  /** The shortest TTL accepted; the API says 5 s. Tests lower it to exercise expiry quickly. */
  minTtlMs: number;
  /** The longest TTL accepted: 1 hour. */
  maxTtlMs: number;
}

/** The limits of the API as specified. */
export const defaultClusterLimits: ClusterLimits = { minTtlMs: 5_000, maxTtlMs: 3_600_000 };

const defaultTtlMs = 30_000;
const maxWaitMs = 5 * 60_000;
const maxValueBytes = 4096;
const nameRe = /^[A-Za-z0-9._/-]{1,128}$/;
const instanceIdRe = /^[A-Za-z0-9._:-]{1,128}$/;
const memberIdRe = /^[0-9a-f]{1,16}$/;

/** Checks an election, lock or service name. */
export function checkName(name: string): string | undefined {
  if (name === "") return "must not be empty";
  return nameRe.test(name)
    ? undefined
    : "must be 1-128 characters of a-z, A-Z, 0-9, '.', '_', '-' and '/'";
}

function checkInstanceId(id: string): string | undefined {
  if (id === "") return "must not be empty";
  return instanceIdRe.test(id)
    ? undefined
    : "must be 1-128 characters of a-z, A-Z, 0-9, '.', '_', '-' and ':'";
}

function checkValue(value: string): string | undefined {
  const n = Buffer.byteLength(value);
  return n > maxValueBytes ? `must be at most ${maxValueBytes} bytes, got ${n}` : undefined;
}

function checkLeaseId(id: bigint): string | undefined {
  return id > 0n ? undefined : "must be the lease id returned when the lease was granted";
}

function durationMs(d: Duration | undefined): number {
  return d ? Number(d.seconds) * 1000 + Math.trunc(d.nanos / 1e6) : 0;
}

function ttl(d: Duration | undefined, limits: ClusterLimits): [number, string | undefined] {
  const ms = durationMs(d) || defaultTtlMs;
  const ok = ms >= limits.minTtlMs && ms <= limits.maxTtlMs;
  const range = `${limits.minTtlMs / 1000} seconds and 1 hour`;
  return [ms, ok ? undefined : `must be between ${range} (unset means 30 seconds)`];
}

/** Checks a member id: the hexadecimal etcd member id. */
export function checkMemberId(id: string): void {
  failOn([["id", memberIdRe.test(id) ? undefined : "must be a hexadecimal member id"]]);
}

/** Validates an AddMember request. */
export function checkAddMemberRequest(req: AddMemberRequest): void {
  failOn([
    [
      "peer_urls",
      req.peerUrls.length === 0
        ? "must hold at least one URL"
        : req.peerUrls.length > 16
          ? `must hold at most 16 URLs, got ${req.peerUrls.length}`
          : undefined,
    ],
    ...req.peerUrls.map((u, i): Check => [`peer_urls[${i}]`, checkUrl(u)]),
    [
      "name",
      /^[A-Za-z0-9._-]{1,63}$/.test(req.name)
        ? undefined
        : "must be 1-63 characters of a-z, A-Z, 0-9, '.', '_' and '-'; it names the member in initial_cluster",
    ],
  ]);
}

function checkUrl(u: string): string | undefined {
  if (u.length > 2048) return `must be at most 2048 characters, got ${u.length}`;
  try {
    const url = new URL(u);
    if ((url.protocol === "http:" || url.protocol === "https:") && url.port !== "")
      return undefined;
  } catch {
    // Reported below.
  }
  return "must be an http or https URL with a port, for example https://etcd-3:2380";
}

/** Validates a Campaign request and resolves its TTL. */
export function checkCampaignRequest(req: CampaignRequest, limits: ClusterLimits): CampaignInput {
  const [ttlMs, ttlProblem] = ttl(req.ttl, limits);
  failOn([
    ["election", checkName(req.election)],
    ["value", checkValue(req.value)],
    ["ttl", ttlProblem],
  ]);
  return { election: req.election, value: req.value, ttlMs };
}

/** Validates the election and candidate of a Proclaim or Resign request. */
export function checkCandidateRequest(
  req: Pick<ProclaimRequest, "election" | "leaderKey"> & { value?: string },
): void {
  failOn([
    ["election", checkName(req.election)],
    // A leader key is "elections/<election>#<lease id>": longer is no leader key at all.
    ["leader_key", req.leaderKey === "" ? "must not be empty" : maxLength(req.leaderKey, 256)],
    ["value", req.value === undefined ? undefined : checkValue(req.value)],
  ]);
}

/** Validates the election of a GetLeader or Observe request. */
export function checkElectionRequest(req: { election: string }): void {
  failOn([["election", checkName(req.election)]]);
}

/** Validates an AcquireLock request; the owner defaults to the caller's name. */
export function checkAcquireLockRequest(
  req: AcquireLockRequest,
  limits: ClusterLimits,
  caller: string,
): AcquireLockInput {
  const [ttlMs, ttlProblem] = ttl(req.ttl, limits);
  const waitMs = durationMs(req.waitTimeout);
  failOn([
    ["name", checkName(req.name)],
    ["ttl", ttlProblem],
    [
      "wait_timeout",
      waitMs < 0 || waitMs > maxWaitMs ? "must be between 0 and 5 minutes" : undefined,
    ],
    ["owner", maxLength(req.owner, 256)],
  ]);
  return { name: req.name, ttlMs, waitMs, owner: req.owner || caller };
}

/** Validates the lock and lease of a KeepAliveLock or ReleaseLock request. */
export function checkLockLeaseRequest(req: { name: string; leaseId: bigint }): void {
  failOn([
    ["name", checkName(req.name)],
    ["lease_id", checkLeaseId(req.leaseId)],
  ]);
}

/** Validates the lock name of a GetLock request. */
export function checkLockRequest(req: { name: string }): void {
  failOn([["name", checkName(req.name)]]);
}

function checkTags(tags: string[]): Check[] {
  return [
    ["tags", tags.length > 32 ? `at most 32 tags, got ${tags.length}` : undefined],
    ...tags.map((t, i): Check => [`tags[${i}]`, t === "" ? "must not be empty" : maxLength(t, 63)]),
  ];
}

/** Validates a RegisterInstance request and resolves its TTL. */
export function checkRegisterInstanceRequest(
  req: RegisterInstanceRequest,
  limits: ClusterLimits,
): RegisterInput {
  const [ttlMs, ttlProblem] = ttl(req.ttl, limits);
  const metadataBytes = Object.entries(req.metadata).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );
  failOn([
    ["service", checkName(req.service)],
    ["instance_id", checkInstanceId(req.instanceId)],
    [
      "address",
      /^[^\s]{1,255}$/.test(req.address) ? undefined : "must be a host name or IP address",
    ],
    ["port", req.port < 1 || req.port > 65535 ? "must be between 1 and 65535" : undefined],
    [
      "metadata",
      metadataBytes > maxValueBytes
        ? `must be at most ${maxValueBytes} bytes in total, got ${metadataBytes}`
        : undefined,
    ],
    ...checkTags(req.tags),
    ["ttl", ttlProblem],
  ]);
  return {
    service: req.service,
    instanceId: req.instanceId,
    address: req.address,
    port: req.port,
    metadata: { ...req.metadata },
    tags: [...new Set(req.tags)],
    ttlMs,
  };
}

/** Validates the service and instance of a Heartbeat or DeregisterInstance request. */
export function checkInstanceRequest(
  req: Pick<HeartbeatRequest, "service" | "instanceId"> & { leaseId?: bigint },
): void {
  failOn([
    ["service", checkName(req.service)],
    ["instance_id", checkInstanceId(req.instanceId)],
    ["lease_id", req.leaseId === undefined ? undefined : checkLeaseId(req.leaseId)],
  ]);
}

/** Validates the service and tag filter of a ListInstances or WatchInstances request. */
export function checkServiceRequest(req: { service: string; tags: string[] }): void {
  failOn([["service", checkName(req.service)], ...checkTags(req.tags)]);
}
