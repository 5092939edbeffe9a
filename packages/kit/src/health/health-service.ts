import { Code, ConnectError } from "@connectrpc/connect";
import type { ConnectRouter } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "@guardian/api";
import type { FastUnaryRoute } from "../server/fast-route.js";
import { messageRoute } from "../server/message-route.js";

/** The health state the RPC implementation reads: statuses, change notifications, shutdown. */
export interface HealthState {
  /** Current status per service name; `undefined` when unknown. */
  statusOf(service: string): ServingStatus | undefined;
  /** Resolves at the next status change or shutdown, or when `signal` aborts. */
  changed(signal: AbortSignal): Promise<void>;
  /** True once shutdown began. */
  readonly shuttingDown: boolean;
}

/**
 * Creates the routes of the standard `grpc.health.v1.Health` service over a health state.
 *
 * Check answers the status of `""` or a registered service and NotFound for other names.
 * Watch sends the current status (SERVICE_UNKNOWN for unregistered names) and then every change,
 * until the client goes away; when shutdown begins it sends NOT_SERVING and ends with Unavailable.
 */
export function createHealthRoutes(state: HealthState): (router: ConnectRouter) => void {
  return (router) => {
    router.service(Health, {
      check: (req) => checkHealth(state, req.service),
      async *watch(req, ctx) {
        let last: ServingStatus | undefined;
        for (;;) {
          const status = state.statusOf(req.service) ?? ServingStatus.SERVICE_UNKNOWN;
          if (status !== last) {
            last = status;
            yield { status };
            // The status may have changed while this generator was suspended in yield.
            continue;
          }
          // Checked only once the latest status went out, so watchers see NOT_SERVING first.
          if (state.shuttingDown) {
            throw new ConnectError("server is shutting down", Code.Unavailable);
          }
          if (ctx.signal.aborted) {
            return;
          }
          await state.changed(ctx.signal);
        }
      },
    });
  };
}

/**
 * The fast route of `Health/Check`: the same answer as the Connect route, without Connect's
 * generic router, so that a probe costs the server little more than the write of its answer.
 */
export function createHealthCheckRoute(state: HealthState): FastUnaryRoute {
  return messageRoute(Health.method.check, async (req) => checkHealth(state, req.service));
}

function checkHealth(state: HealthState, service: string): { status: ServingStatus } {
  const status = state.statusOf(service);
  if (status === undefined) {
    throw new ConnectError(`unknown service ${service}`, Code.NotFound);
  }
  return { status };
}
