import { BlockList, isIP } from "node:net";

/**
 * IPv4 ranges that are not public destinations: this network, private (RFC 1918), shared
 * address space (CGNAT), loopback, link-local, IETF protocol assignments, documentation,
 * 6to4 relay, benchmarking, multicast, reserved and broadcast.
 */
const nonPublicV4: [string, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];

/**
 * IPv6 ranges that are not public destinations: unspecified and loopback, IPv4-compatible,
 * NAT64 (which reaches IPv4 addresses unchecked), discard, IETF special purpose (Teredo
 * included), documentation, 6to4, unique local, link-local, site-local and multicast.
 * IPv4-mapped addresses are judged by the IPv4 address they carry.
 */
const nonPublicV6: [string, number][] = [
  ["::", 96],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001::", 23],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
];

const nonPublic = new BlockList();
for (const [net, bits] of nonPublicV4) nonPublic.addSubnet(net, bits, "ipv4");
for (const [net, bits] of nonPublicV6) nonPublic.addSubnet(net, bits, "ipv6");

/** Expands an IPv6 address into its eight 16-bit groups. */
function ipv6Groups(address: string): number[] {
  // A dotted IPv4 tail ("::ffff:127.0.0.1") is two groups written differently.
  const text = address.replace(
    /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
    (_m, a: string, b: string, c: string, d: string) =>
      [
        ((Number(a) << 8) | Number(b)).toString(16),
        ((Number(c) << 8) | Number(d)).toString(16),
      ].join(":"),
  );
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const [head = "", rest] = text.split("::");
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const fill = new Array<number>(Math.max(0, 8 - left.length - right.length)).fill(0);
  return [...left, ...fill, ...right];
}

/**
 * The address as the network sees it: an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, in any
 * notation) becomes the IPv4 address it carries, so that the IPv4 rules apply to it.
 */
export function canonicalAddress(address: string): { address: string; family: 4 | 6 } {
  const bare = address.startsWith("[") ? address.slice(1, -1) : address;
  if (isIP(bare) === 4) return { address: bare, family: 4 };
  const g = ipv6Groups(bare.toLowerCase());
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    const [hi = 0, lo = 0] = g.slice(6);
    return { address: [hi >> 8, hi & 255, lo >> 8, lo & 255].join("."), family: 4 };
  }
  return { address: g.map((x) => x.toString(16)).join(":"), family: 6 };
}

/** Which destinations webhooks may reach beyond the public internet. */
export interface TargetPolicy {
  /** Whether a delivery may connect to this IP address. */
  addressAllowed(address: string): boolean;
  /** Whether this host name is allowed by name, whatever it resolves to. */
  hostAllowed(host: string): boolean;
}

/**
 * Builds the policy from the allowlist (GUARDIAN_WEBHOOK_ALLOW_NETWORKS): each entry is a
 * CIDR ("10.1.0.0/16", "fd00::/8"), an IP address, or a host name allowed by name. Every
 * other non-public address is refused. Throws on a malformed CIDR.
 */
export function createTargetPolicy(allow: readonly string[] = []): TargetPolicy {
  const allowed = new BlockList();
  const hosts = new Set<string>();
  for (const entry of allow) {
    const [net = "", bits] = entry.split("/");
    const family = isIP(net);
    if (family === 0) {
      if (bits !== undefined) throw new Error(`"${entry}" is not a CIDR`);
      hosts.add(entry.toLowerCase());
      continue;
    }
    const canonical = canonicalAddress(net);
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      throw new Error(`"${entry}" has a bad prefix length`);
    }
    allowed.addSubnet(net, prefix, family === 4 ? "ipv4" : "ipv6");
    if (canonical.family === 4 && family === 6) {
      allowed.addSubnet(canonical.address, Math.max(0, prefix - 96), "ipv4");
    }
  }
  return {
    addressAllowed(address) {
      const { address: a, family } = canonicalAddress(address);
      const type = family === 4 ? "ipv4" : "ipv6";
      if (allowed.check(a, type)) return true;
      return !nonPublic.check(a, type);
    },
    hostAllowed: (host) => hosts.has(host.toLowerCase()),
  };
}
