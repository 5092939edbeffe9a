import { type Client } from "@connectrpc/connect";
import type { CampaignResponse, ClusterService } from "@guardian/api";
import { recordStream, type StreamRecorder } from "./stream-recorder.js";

/** A ClusterService client. */
export type ClusterClient = Client<typeof ClusterService>;

/** The limits tests use: 1-second leases, so expiry takes a second, not five. */
export const testLimits = { minTtlMs: 1_000 };

/** A protobuf Duration of whole seconds. */
export const seconds = (s: number) => ({ seconds: BigInt(s), nanos: 0 });

/** Matches Campaign stream messages of one kind. */
export const is =
  (kind: CampaignResponse["event"]["case"]) =>
  (r: CampaignResponse): boolean =>
    r.event.case === kind;

/** Tells whether a Campaign stream has sent a message of `kind`. */
export function has(c: StreamRecorder<CampaignResponse>, kind: CampaignResponse["event"]["case"]) {
  return c.items.some(is(kind));
}

/** Counts the messages of `kind` a Campaign stream has sent. */
export function count(
  c: StreamRecorder<CampaignResponse>,
  kind: CampaignResponse["event"]["case"],
) {
  return c.items.filter(is(kind)).length;
}

/** The leader key a Campaign stream announced in CampaignStarted. */
export function keyOf(c: StreamRecorder<CampaignResponse>): string | undefined {
  const started = c.items.find(is("started"))?.event;
  return started?.case === "started" ? started.value.leaderKey : undefined;
}

/** Starts a Campaign stream in the background. */
export function campaign(
  client: ClusterClient,
  election: string,
  value: string,
  ttlSeconds = 2,
): StreamRecorder<CampaignResponse> {
  return recordStream((signal) =>
    client.campaign({ election, value, ttl: seconds(ttlSeconds) }, { signal }),
  );
}

/** Waits for the next CampaignStarted of a stream. */
export async function started(c: StreamRecorder<CampaignResponse>) {
  const r = await c.next(is("started"));
  if (r.event.case !== "started") throw new Error("unreachable");
  return r.event.value;
}

/** Waits for the next CampaignElected of a stream. */
export async function elected(c: StreamRecorder<CampaignResponse>, timeoutMs?: number) {
  const r = await c.next(is("elected"), timeoutMs);
  if (r.event.case !== "elected") throw new Error("unreachable");
  return r.event.value;
}
