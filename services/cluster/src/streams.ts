import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  CampaignLostReason,
  type CampaignResponseSchema,
  type ClusterService,
} from "@guardian/api";
import type { ClusterBackend } from "./backend/types.js";
import {
  checkCampaignRequest,
  checkElectionRequest,
  checkServiceRequest,
  type ClusterLimits,
} from "./check.js";
import { campaignEventToProto, leaderToProto, watchItemToProto } from "./convert.js";

type StreamMethods = Pick<
  ServiceImpl<typeof ClusterService>,
  "campaign" | "observe" | "watchInstances"
>;

/** True when the call was ended by the server draining (not by the client going away). */
function serverDraining(ctx: HandlerContext): boolean {
  const reason: unknown = ctx.signal.reason;
  return ctx.signal.aborted && reason instanceof ConnectError && reason.code === Code.Unavailable;
}

/**
 * Creates the three streaming handlers of ClusterService. A stream the client cancels ends
 * quietly (a campaign withdraws its candidate first); a stream the server drains ends with
 * Unavailable, except Campaign, which reports CampaignLost with SERVER_SHUTDOWN.
 */
export function createStreamHandlers(
  backend: ClusterBackend,
  limits: ClusterLimits,
  fail: (err: unknown, ctx: HandlerContext) => ConnectError,
): StreamMethods {
  return {
    async *campaign(req, ctx) {
      const input = checkCampaignRequest(req, limits);
      try {
        for await (const event of backend.campaign(input, ctx.signal)) {
          yield campaignEventToProto(event);
          if (event.kind === "lost") return;
        }
      } catch (err) {
        if (ctx.signal.aborted && !serverDraining(ctx)) return;
        throw fail(err, ctx);
      }
      if (serverDraining(ctx)) {
        const lost: MessageInitShape<typeof CampaignResponseSchema> = {
          event: {
            case: "lost",
            value: {
              reason: CampaignLostReason.SERVER_SHUTDOWN,
              message: "the server is shutting down; campaign again on another server",
            },
          },
        };
        yield lost;
      }
    },

    async *observe(req, ctx) {
      checkElectionRequest(req);
      try {
        for await (const state of backend.observe(req.election, ctx.signal)) {
          yield { leader: leaderToProto(state.leader), revision: state.revision };
        }
      } catch (err) {
        if (ctx.signal.aborted && !serverDraining(ctx)) return;
        throw fail(err, ctx);
      }
      if (serverDraining(ctx)) throw ctx.signal.reason;
    },

    async *watchInstances(req, ctx) {
      checkServiceRequest(req);
      try {
        for await (const item of backend.watchInstances(req.service, [...req.tags], ctx.signal)) {
          yield watchItemToProto(item);
        }
      } catch (err) {
        if (ctx.signal.aborted && !serverDraining(ctx)) return;
        throw fail(err, ctx);
      }
      if (serverDraining(ctx)) throw ctx.signal.reason;
    },
  };
}
