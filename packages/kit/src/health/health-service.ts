import { Code, ConnectError } from "@connectrpc/connect";
import type { ConnectRouter } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "@guardian/api";

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
      check(req) {
        const status = state.statusOf(req.service);
        if (status === undefined) {
          throw new ConnectError(`unknown service ${req.service}`, Code.NotFound);
        }
        return { status };
      },
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
