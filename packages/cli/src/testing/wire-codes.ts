import type { Exchange } from "@guardian/testkit";

/** The code an answer carries, in Connect's lower_snake form ("ok" for success). */
export function codeOf(e: Exchange): string {
  const grpc = e.trailers["grpc-status"] ?? e.headers["grpc-status"];
  if (grpc !== undefined) return grpcCodes[Number(grpc)] ?? grpc;
  return e.status === 200 ? "ok" : (JSON.parse(e.body.toString()) as { code: string }).code;
}

const grpcCodes = [
  "ok",
  "canceled",
  "unknown",
  "invalid_argument",
  "deadline_exceeded",
  "not_found",
  "already_exists",
  "permission_denied",
  "resource_exhausted",
  "failed_precondition",
  "aborted",
  "out_of_range",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
  "unauthenticated",
];

/** `guardian_rpc_requests_total` of one ConfigService method and code, from `/metrics`. */
export async function configCalls(url: string, method: string, code: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const series =
    `guardian_rpc_requests_total{service="guardian.config.v1.ConfigService",` +
    `method="${method}",code="${code}"}`;
  const line = text.split("\n").find((l) => l.startsWith(series));
  return Number(line?.split(" ")[1] ?? 0);
}
