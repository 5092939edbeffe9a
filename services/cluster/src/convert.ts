import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  CampaignLostReason,
  Engine,
  InstanceEventType,
  type CampaignResponseSchema,
  type InstanceSchema,
  type LeaderSchema,
  type LockSchema,
  type MemberSchema,
  type WatchInstancesResponseSchema,
} from "@guardian/api";
import type {
  CampaignEvent,
  CampaignLossReason,
  ClusterEngine,
  ClusterMember,
  InstanceChange,
  InstanceInfo,
  InstanceWatchItem,
  LeaderInfo,
  LockInfo,
} from "./backend/types.js";

const lostReasons: Record<CampaignLossReason, CampaignLostReason> = {
  resigned: CampaignLostReason.RESIGNED,
  lease_expired: CampaignLostReason.LEASE_EXPIRED,
  key_deleted: CampaignLostReason.KEY_DELETED,
  server_shutdown: CampaignLostReason.SERVER_SHUTDOWN,
};

const eventTypes: Record<InstanceChange, InstanceEventType> = {
  up: InstanceEventType.UP,
  down: InstanceEventType.DOWN,
  updated: InstanceEventType.UPDATED,
};

/** The protobuf Engine of a backend. */
export function engineToProto(engine: ClusterEngine): Engine {
  return engine === "etcd" ? Engine.ETCD : Engine.SQL;
}

/** Converts a backend member to its protobuf message. */
export function memberToProto(m: ClusterMember): MessageInitShape<typeof MemberSchema> {
  return { ...m };
}

/** Converts a backend leader to its protobuf message. */
export function leaderToProto(l: LeaderInfo | undefined) {
  return l && ({ ...l } satisfies MessageInitShape<typeof LeaderSchema>);
}

/** Converts a backend lock holding to its protobuf message. */
export function lockToProto(l: LockInfo): MessageInitShape<typeof LockSchema> {
  return {
    ...l,
    acquireTime: timestampFromDate(l.acquireTime),
    expireTime: timestampFromDate(l.expireTime),
  };
}

/** Converts a backend instance to its protobuf message. */
export function instanceToProto(i: InstanceInfo): MessageInitShape<typeof InstanceSchema> {
  return {
    ...i,
    registerTime: timestampFromDate(i.registerTime),
    lastHeartbeatTime: timestampFromDate(i.lastHeartbeatTime),
    expireTime: timestampFromDate(i.expireTime),
  };
}

/** Converts one campaign step to a Campaign stream message. */
export function campaignEventToProto(
  e: CampaignEvent,
): MessageInitShape<typeof CampaignResponseSchema> {
  switch (e.kind) {
    case "started":
      return {
        event: {
          case: "started",
          value: {
            leaderKey: e.leaderKey,
            leaseId: e.leaseId,
            expireTime: timestampFromDate(e.expireTime),
          },
        },
      };
    case "elected":
      return {
        event: {
          case: "elected",
          value: {
            leaderKey: e.leaderKey,
            leaseId: e.leaseId,
            revision: e.revision,
            expireTime: timestampFromDate(e.expireTime),
          },
        },
      };
    case "renewed":
      return { event: { case: "renewed", value: { expireTime: timestampFromDate(e.expireTime) } } };
    case "lost":
      return {
        event: { case: "lost", value: { reason: lostReasons[e.reason], message: e.message } },
      };
  }
}

/** Converts one WatchInstances item to its stream message. */
export function watchItemToProto(
  item: InstanceWatchItem,
): MessageInitShape<typeof WatchInstancesResponseSchema> {
  if (item.kind === "snapshot") {
    return {
      kind: {
        case: "snapshot",
        value: { instances: item.instances.map(instanceToProto), revision: item.revision },
      },
    };
  }
  return {
    kind: {
      case: "event",
      value: {
        type: eventTypes[item.type],
        instance: instanceToProto(item.instance),
        revision: item.revision,
      },
    },
  };
}
