import type { UniversalHandler } from "@connectrpc/connect/protocol";

/** Makes `serve` a Connect handler for the same route as `handler` (its method, path, protocols). */
export function sameRoute(
  handler: UniversalHandler,
  serve: (req: Parameters<UniversalHandler>[0]) => ReturnType<UniversalHandler>,
): UniversalHandler {
  return Object.assign(serve, {
    protocolNames: handler.protocolNames,
    service: handler.service,
    method: handler.method,
    requestPath: handler.requestPath,
    allowedMethods: handler.allowedMethods,
    supportedContentType: handler.supportedContentType,
  });
}
