import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  CampaignLostReason,
  type CampaignResponseSchema,
  type ClusterService,
} from "@guardian/api";
import type { ClusterBackend, LeaderState } from "../backend/types.js";
import {
  checkCampaignRequest,
  checkCandidateRequest,
  checkElectionRequest,
  type ClusterLimits,
} from "../check.js";
import { campaignEventToProto, leaderToProto } from "../convert.js";
import { keepaliveTick, withKeepalives } from "./keepalive.js";
import { relay, serverDraining } from "./relay.js";

type ElectionMethods = Pick<
  ServiceImpl<typeof ClusterService>,
  "campaign" | "proclaim" | "resign" | "getLeader" | "observe"
>;

const serverShutdown: MessageInitShape<typeof CampaignResponseSchema> = {
  event: {
    case: "lost",
    value: {
      reason: CampaignLostReason.SERVER_SHUTDOWN,
      message: "the server is shutting down; campaign again on another server",
    },
  },
};

/**
 * Creates the election handlers. A stream the client cancels ends quietly (a campaign
 * withdraws its candidate first); when the server drains, Observe ends with Unavailable and
 * Campaign reports CampaignLost with SERVER_SHUTDOWN. Both streams send a keepalive after
 * `keepaliveMs` without another message (Observe repeats its last state, marked as one).
 */
export function createElectionHandlers(
  backend: ClusterBackend,
  limits: ClusterLimits,
  keepaliveMs: number,
): ElectionMethods {
  return {
    async *campaign(req, ctx) {
      const input = checkCampaignRequest(req, limits);
      const events = withKeepalives(backend.campaign(input, ctx.signal), keepaliveMs);
      for await (const event of relay(ctx, events)) {
        if (event === keepaliveTick) {
          yield { event: { case: "keepalive", value: {} } };
          continue;
        }
        yield campaignEventToProto(event);
        if (event.kind === "lost") return;
      }
      if (serverDraining(ctx)) yield serverShutdown;
    },

    async proclaim(req) {
      checkCandidateRequest(req);
      return {
        leader: leaderToProto(await backend.proclaim(req.election, req.leaderKey, req.value)),
      };
    },

    async resign(req) {
      checkCandidateRequest(req);
      await backend.resign(req.election, req.leaderKey);
      return {};
    },

    async getLeader(req) {
      checkElectionRequest(req);
      const state = await backend.getLeader(req.election);
      return { leader: leaderToProto(state.leader), revision: state.revision };
    },

    async *observe(req, ctx) {
      checkElectionRequest(req);
      const states = withKeepalives(backend.observe(req.election, ctx.signal), keepaliveMs);
      let last: LeaderState | undefined;
      for await (const state of relay(ctx, states)) {
        if (state !== keepaliveTick) {
          last = state;
          yield { leader: leaderToProto(state.leader), revision: state.revision };
        } else if (last !== undefined) {
          yield { leader: leaderToProto(last.leader), revision: last.revision, keepalive: {} };
        }
      }
      if (serverDraining(ctx)) throw ctx.signal.reason;
    },
  };
}
