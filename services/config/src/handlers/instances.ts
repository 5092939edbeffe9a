import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { ApplyOutcome, type ConfigInstanceSchema, type ConfigService } from "@guardian/api";
import { definePaging, failOn, pageSize } from "@guardian/kit";
import { authorizeProject } from "../authorize.js";
import {
  checkListConfigInstancesRequest,
  checkReportConfigStatusRequest,
} from "../check/instances.js";
import { defaultInstanceTtlMs, defaultMaxInstancesPerProject, type ConfigDeps } from "../deps.js";
import { configNotFound } from "../error-map.js";
import { recordReport } from "../instances/record.js";
import { currentVersions } from "../instances/versions.js";
import { requireProject } from "../require-project.js";
import { countConvergence, listLiveStatuses } from "../sql/instance-statuses.js";
import type { InstanceStatusRow } from "../sql/instance-statuses.js";

// ListConfigInstances pages continue after (key `k`, instance id `i`).
const paging = definePaging({ k: "text", i: "text" });

type InstanceHandlers = Pick<
  ServiceImpl<typeof ConfigService>,
  "reportConfigStatus" | "listConfigInstances"
>;

const outcomes = { applied: ApplyOutcome.APPLIED, rejected: ApplyOutcome.REJECTED } as const;

/** Creates the apply report handlers: instances report statuses, operators list them. */
export function createInstanceHandlers(deps: ConfigDeps): InstanceHandlers {
  const ttlMs = deps.instanceTtlMs ?? defaultInstanceTtlMs;
  const maxInstancesPerProject = deps.maxInstancesPerProject ?? defaultMaxInstancesPerProject;

  return {
    async reportConfigStatus(req, ctx) {
      checkReportConfigStatusRequest(req);
      authorizeProject(ctx, req.project);
      for (const s of req.statuses) authorizeProject(ctx, req.project, { key: s.key });
      await requireProject(deps, req.project);
      const keys = req.statuses.map((s) => s.key);
      const versions = await currentVersions(
        deps,
        ctx,
        req.project,
        keys,
        req.statuses.map((s) => s.version),
      );
      const missing = keys.findIndex((_, i) => versions[i] === 0n);
      if (missing >= 0) throw configNotFound(req.project, keys[missing]!);
      failOn(
        req.statuses.map((s, i) => {
          const current = versions[i]!;
          return [
            `statuses[${i}].version`,
            s.version > current
              ? `is newer than the config's current version ${current}`
              : undefined,
          ];
        }),
      );
      const at = await recordReport(
        deps.pool,
        {
          project: req.project,
          instanceId: req.instanceId,
          labels: req.labels,
          statuses: req.statuses.map((s) => ({
            key: s.key,
            version: s.version,
            outcome: s.outcome === ApplyOutcome.REJECTED ? "rejected" : "applied",
            reason: s.reason,
          })),
        },
        { ttlMs, maxInstancesPerProject },
      );
      return { reportTime: timestampFromDate(at), instanceTtl: durationFromMs(ttlMs) };
    },

    async listConfigInstances(req, ctx) {
      checkListConfigInstancesRequest(req);
      authorizeProject(ctx, req.project);
      const limit = pageSize(req.pageSize);
      const after = paging.read(ctx, req);
      await requireProject(deps, req.project);
      const t = req.target;
      const rows = await listLiveStatuses(deps.pool, {
        project: req.project,
        ...(t.case === "key" ? { key: t.value } : {}),
        ...(t.case === "prefix" ? { prefix: t.value } : {}),
        ...(after ? { after: { key: after.k, instanceId: after.i } } : {}),
        limit: limit + 1,
        ttlMs,
      });
      const { items, nextPageToken } = paging.page(ctx, req, rows, limit, (last) => ({
        k: last.key,
        i: last.instance_id,
      }));
      const keys = [...new Set(items.map((r) => r.key))];
      const versions = await currentVersions(deps, ctx, req.project, keys);
      const current = new Map(keys.map((k, i) => [k, versions[i]!]));
      const counts = await countConvergence(
        deps.pool,
        req.project,
        keys.map((key) => ({ key, version: current.get(key)! })),
        ttlMs,
      );
      return {
        instances: items.map((r) => instanceOf(r, current.get(r.key) ?? 0n)),
        configs: counts.map((c) => ({
          key: c.key,
          currentVersion: current.get(c.key) ?? 0n,
          instanceCount: BigInt(c.instances),
          currentCount: BigInt(c.current),
          laggingCount: BigInt(c.lagging),
          rejectedCount: BigInt(c.rejected),
        })),
        nextPageToken,
      };
    },
  };
}

/** Converts a status row to a ConfigInstance, given its config's current version. */
function instanceOf(
  r: InstanceStatusRow,
  currentVersion: bigint,
): MessageInitShape<typeof ConfigInstanceSchema> {
  const version = BigInt(r.version);
  return {
    key: r.key,
    instanceId: r.instance_id,
    version,
    outcome: outcomes[r.outcome],
    reason: r.reason,
    reportTime: timestampFromDate(r.reported_at),
    lastSeenTime: timestampFromDate(r.last_report_at),
    labels: r.labels,
    current: r.outcome === "applied" && currentVersion > 0n && version === currentVersion,
  };
}
