import { isIPv4, isIPv6 } from "node:net";

/** Why an address is no place to send a webhook to. */
export type BlockedReason =
  | "loopback"
  | "private"
  | "link-local"
  | "metadata"
  | "unspecified"
  | "shared (CGNAT)"
  | "multicast"
  | "broadcast"
  | "reserved"
  | "documentation"
  | "tunnel"
  | "not an IP address";

export type AddressVerdict = { blocked: false } | { blocked: true; reason: BlockedReason };

type Range4 = { base: number; bits: number; reason: BlockedReason };

const v4 = (dotted: string): number => {
  const parts = dotted.split(".").map(Number);
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
};

/**
 * IANA's IPv4 special-purpose registry, less the globally reachable entries.
 * Order matters where ranges nest: the first match names the reason.
 */
const BLOCKED_V4: Range4[] = [
  { base: v4("169.254.169.254"), bits: 32, reason: "metadata" },
  { base: v4("255.255.255.255"), bits: 32, reason: "broadcast" },
  { base: v4("0.0.0.0"), bits: 8, reason: "unspecified" },
  { base: v4("10.0.0.0"), bits: 8, reason: "private" },
  // 100.100.100.200 (Alibaba Cloud's metadata service) lies in here too.
  { base: v4("100.64.0.0"), bits: 10, reason: "shared (CGNAT)" },
  { base: v4("127.0.0.0"), bits: 8, reason: "loopback" },
  { base: v4("169.254.0.0"), bits: 16, reason: "link-local" },
  { base: v4("172.16.0.0"), bits: 12, reason: "private" },
  { base: v4("192.0.0.0"), bits: 24, reason: "reserved" },
  { base: v4("192.0.2.0"), bits: 24, reason: "documentation" },
  { base: v4("192.88.99.0"), bits: 24, reason: "reserved" },
  { base: v4("192.168.0.0"), bits: 16, reason: "private" },
  { base: v4("198.18.0.0"), bits: 15, reason: "reserved" },
  { base: v4("198.51.100.0"), bits: 24, reason: "documentation" },
  { base: v4("203.0.113.0"), bits: 24, reason: "documentation" },
  { base: v4("224.0.0.0"), bits: 4, reason: "multicast" },
  { base: v4("240.0.0.0"), bits: 4, reason: "reserved" },
];

function classifyV4(value: number): AddressVerdict {
  for (const range of BLOCKED_V4) {
    const mask = range.bits === 0 ? 0 : (0xffffffff << (32 - range.bits)) >>> 0;
    if ((value & mask) >>> 0 === range.base) return { blocked: true, reason: range.reason };
  }
  return { blocked: false };
}

/** Eight 16-bit groups, or undefined when `text` is not an IPv6 address. */
export function parseIPv6(text: string): number[] | undefined {
  const address = text.replace(/%.*$/, ""); // a zone id names an interface, not an address
  if (!isIPv6(address)) return undefined;
  let body = address.toLowerCase();
  const groups: number[] = [];
  // A trailing dotted quad (::ffff:127.0.0.1) is two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  let tail: number[] = [];
  if (quad?.[1]) {
    const value = v4(quad[1]);
    tail = [value >>> 16, value & 0xffff];
    body = body.slice(0, -quad[1].length);
    if (body.endsWith(":") && !body.endsWith("::")) body = body.slice(0, -1);
  }
  const [head = "", rest] = body.split("::");
  const headGroups = head ? head.split(":").map((g) => Number.parseInt(g, 16)) : [];
  const restGroups = rest ? rest.split(":").map((g) => Number.parseInt(g, 16)) : [];
  const missing = 8 - headGroups.length - restGroups.length - tail.length;
  if (rest === undefined && missing !== 0) return undefined;
  groups.push(...headGroups, ...new Array<number>(Math.max(missing, 0)).fill(0), ...restGroups, ...tail);
  return groups.length === 8 ? groups : undefined;
}

const embeddedV4 = (g: number[]): number => (((g[6] ?? 0) << 16) | (g[7] ?? 0)) >>> 0;

function classifyV6(g: number[]): AddressVerdict {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return { blocked: true, reason: "unspecified" };
  if (zeroTo(7) && g7 === 1) return { blocked: true, reason: "loopback" };
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated) reach the IPv4 address.
  if (zeroTo(5) && g5 === 0xffff) return classifyV4(embeddedV4(g));
  if (zeroTo(4) && g4 === 0xffff && g5 === 0) return classifyV4(embeddedV4(g));
  // ::a.b.c.d, the deprecated "IPv4-compatible" form: nothing legitimate lives there.
  if (zeroTo(6)) {
    const inner = classifyV4(embeddedV4(g));
    return inner.blocked ? inner : { blocked: true, reason: "reserved" };
  }
  // NAT64 (64:ff9b::/96) reaches the IPv4 address it embeds; the local-use prefix is site-internal.
  if (g0 === 0x64 && g1 === 0xff9b && g2 + g3 + g4 + g5 === 0) return classifyV4(embeddedV4(g));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return { blocked: true, reason: "private" };
  // 6to4 embeds the IPv4 address of the relay's other end in bits 16-47.
  if (g0 === 0x2002) return classifyV4(((g1 << 16) | g2) >>> 0);
  if (g0 === 0x2001 && g1 === 0) return { blocked: true, reason: "tunnel" }; // Teredo
  if (g0 === 0x2001 && g1 === 0xdb8) return { blocked: true, reason: "documentation" };
  if (g0 === 0x3fff && g1 >> 12 === 0) return { blocked: true, reason: "documentation" };
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return { blocked: true, reason: "reserved" }; // discard-only
  if (g0 === 0x2001 && g1 >> 4 === 0x1) return { blocked: true, reason: "reserved" }; // ORCHID
  // AWS's IPv6 metadata service, fd00:ec2::254, is in the unique-local range below.
  if (g0 === 0xfd00 && g1 === 0xec2 && g2 + g3 + g4 + g5 + g6 === 0 && g7 === 0x254) {
    return { blocked: true, reason: "metadata" };
  }
  if (g0 >> 9 === 0x7e) return { blocked: true, reason: "private" }; // fc00::/7
  if (g0 >> 6 === 0x3fa) return { blocked: true, reason: "link-local" }; // fe80::/10
  if (g0 >> 6 === 0x3fb) return { blocked: true, reason: "private" }; // fec0::/10, deprecated site-local
  if (g0 >> 8 === 0xff) return { blocked: true, reason: "multicast" };
  return { blocked: false };
}

/**
 * Whether an IP address (IPv4 dotted quad or IPv6, as a resolver or a
 * WHATWG-normalised URL host gives it) is one a webhook must not reach:
 * anything not globally routable, because the request would come from
 * inside the operator's network (SSRF).
 */
export function classifyAddress(address: string): AddressVerdict {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  if (isIPv4(bare)) return classifyV4(v4(bare));
  const groups = parseIPv6(bare);
  if (groups) return classifyV6(groups);
  return { blocked: true, reason: "not an IP address" };
}

/**
 * Host names of cloud metadata services that do not need DNS to be
 * dangerous (they resolve inside the cloud's own network).
 */
const BLOCKED_NAMES = new Set(["metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"]);

export function isBlockedHostName(hostname: string): boolean {
  return BLOCKED_NAMES.has(hostname.toLowerCase().replace(/\.$/, ""));
}
