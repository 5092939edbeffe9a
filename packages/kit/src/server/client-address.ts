/**
 * Returns the client address of a request: the peer address, or, when `trustedHops` proxies
 * stand in front of this server, the `x-forwarded-for` entry the outermost of them appended
 * (the `trustedHops`-th entry from the right, as Envoy's `xff_num_trusted_hops` counts).
 * Entries left of it were sent by the client and are never trusted. A request with fewer
 * entries than trusted hops did not come through the proxies: its peer address counts.
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | readonly string[] | undefined,
  trustedHops: number,
): string {
  if (trustedHops <= 0 || forwardedFor === undefined) return peer;
  const joined = typeof forwardedFor === "string" ? forwardedFor : forwardedFor.join(",");
  const entries = joined
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  if (entries.length < trustedHops) return peer;
  const entry = entries[entries.length - trustedHops]!;
  return /^[0-9A-Fa-f:.[\]]{1,64}$/.test(entry) ? entry : peer;
}
