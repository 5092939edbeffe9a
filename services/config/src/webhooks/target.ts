import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { maxLength } from "@guardian/kit";
import { canonicalAddress, type TargetPolicy } from "./address-rules.js";

/** The longest webhook URL accepted. */
export const maxWebhookUrlLength = 2048;

/** The host of a URL without IPv6 brackets. */
export function bareHost(url: URL): string {
  const h = url.hostname;
  return h.startsWith("[") ? h.slice(1, -1) : h;
}

/**
 * Checks a webhook URL's form: absolute http or https, no user name or password, no
 * fragment. Returns what is wrong, or undefined. (WHATWG URL parsing already turns decimal,
 * octal and hex IPv4 forms such as `http://2130706433/` into dotted addresses.)
 */
export function checkWebhookUrl(text: string): string | undefined {
  const long = maxLength(text, maxWebhookUrlLength);
  if (long) return long;
  if (text === "") return "must not be empty";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "must be an absolute URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be http or https";
  if (url.username !== "" || url.password !== "") return "must not carry a user name or password";
  if (url.hash !== "") return "must not have a fragment";
  if (url.hostname === "") return "must name a host";
  return undefined;
}

/** Why a target address is refused, for errors and the delivery log. */
export function refusedAddress(host: string, address: string): string {
  const shown = host === address ? address : `${host} (${address})`;
  return `the address ${shown} is not public and not in GUARDIAN_WEBHOOK_ALLOW_NETWORKS`;
}

/**
 * Resolves a URL's host and checks every address against the policy. Returns what is wrong,
 * or undefined when the target may be reached. A host allowed by name is not resolved.
 */
export async function vetTarget(url: URL, policy: TargetPolicy): Promise<string | undefined> {
  const host = bareHost(url);
  if (policy.hostAllowed(host)) return undefined;
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = await new Promise<string[]>((resolve, reject) =>
        dnsLookup(host, { all: true }, (err, list) =>
          err ? reject(err) : resolve(list.map((a) => a.address)),
        ),
      );
    } catch {
      return `the host ${host} does not resolve`;
    }
  }
  for (const address of addresses) {
    if (!policy.addressAllowed(address)) return refusedAddress(host, address);
  }
  return undefined;
}

/**
 * A `lookup` for the HTTP agent of a delivery: it resolves the host and fails unless every
 * address passes the policy, so the connection goes to an address that was checked (no DNS
 * rebinding between check and connect).
 */
export function guardedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, list: LookupAddress[]) => {
      if (err) return callback(err, "", 4);
      const allowed = policy.hostAllowed(hostname);
      const bad = allowed ? undefined : list.find((a) => !policy.addressAllowed(a.address));
      if (bad || list.length === 0) {
        const e = new Error(
          bad ? refusedAddress(hostname, bad.address) : `the host ${hostname} does not resolve`,
        ) as NodeJS.ErrnoException;
        e.code = "EWEBHOOKTARGET";
        return callback(e, "", 4);
      }
      if (options.all) return callback(null, list as unknown as string, 0);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** The address an IP-literal URL connects to, canonical (IPv4-mapped forms unwrapped). */
export function literalAddress(url: URL): string | undefined {
  const host = bareHost(url);
  return isIP(host) === 0 ? undefined : canonicalAddress(host).address;
}
