import { describe, expect, it } from "vitest";
import { classifyAddress, isBlockedHostName, parseIPv6 } from "./address-policy.js";

/** Spellings a client can write in a URL host, and what the WHATWG parser makes of them. */
const hostOf = (url: string) => new URL(url).hostname;

describe("classifyAddress", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["10.0.0.1", "private"],
    ["10.255.255.255", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["fc00::1", "private"],
    ["fd12:3456:789a::1", "private"],
    ["fec0::1", "private"],
    ["169.254.0.1", "link-local"],
    ["169.254.169.254", "metadata"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["fd00:ec2::254", "metadata"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["::", "unspecified"],
    ["100.64.0.1", "shared (CGNAT)"],
    ["100.100.100.200", "shared (CGNAT)"],
    ["100.127.255.255", "shared (CGNAT)"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.0.8", "reserved"],
    ["198.18.0.1", "reserved"],
    ["100::1", "reserved"],
    ["192.0.2.1", "documentation"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
    ["2001:db8::1", "documentation"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "tunnel"],
    // IPv4-mapped, -translated and -compatible IPv6 reach (or name) the IPv4 address inside.
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["0:0:0:0:0:ffff:7f00:0001", "loopback"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:a9fe:a9fe", "metadata"],
    ["::ffff:0:127.0.0.1", "loopback"],
    ["::127.0.0.1", "loopback"],
    ["::7f00:1", "loopback"],
    ["::8.8.8.8", "reserved"],
    // NAT64 and 6to4 forms of private IPv4 addresses.
    ["64:ff9b::10.0.0.1", "private"],
    ["64:ff9b::a00:1", "private"],
    ["64:ff9b::7f00:1", "loopback"],
    ["64:ff9b:1::1", "private"],
    ["2002:7f00:1::1", "loopback"],
    ["2002:c0a8:101::1", "private"],
    ["[::1]", "loopback"],
    ["localhost", "not an IP address"],
    ["", "not an IP address"],
  ])("refuses %s (%s)", (address, reason) => {
    expect(classifyAddress(address)).toEqual({ blocked: true, reason });
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "172.15.255.255",
    "172.32.0.1",
    "100.63.255.255",
    "100.128.0.1",
    "169.253.255.255",
    "192.169.0.1",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2a00:1450:4001:82b::200e",
    "::ffff:8.8.8.8",
    "::ffff:808:808",
    "64:ff9b::8.8.8.8",
    "2002:808:808::1",
  ])("allows the public address %s", (address) => {
    expect(classifyAddress(address)).toEqual({ blocked: false });
  });

  // WHATWG URL normalises every inet_aton spelling to a dotted quad, so the
  // classifier only ever sees canonical hosts; these prove that assumption.
  it.each([
    ["http://0x7f.1/", "127.0.0.1"],
    ["http://2130706433/", "127.0.0.1"],
    ["http://017700000001/", "127.0.0.1"],
    ["http://0177.0.0.1/", "127.0.0.1"],
    ["http://0x7f000001/", "127.0.0.1"],
    ["http://127.1/", "127.0.0.1"],
    ["http://0/", "0.0.0.0"],
    ["http://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254"],
    ["http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"],
    ["http://[0:0:0:0:0:ffff:127.0.0.1]/", "[::ffff:7f00:1]"],
    ["http://[64:ff9b::10.0.0.1]/", "[64:ff9b::a00:1]"],
  ])("sees %s as %s, which it refuses", (url, host) => {
    expect(hostOf(url)).toBe(host);
    expect(classifyAddress(hostOf(url)).blocked).toBe(true);
  });
});

describe("parseIPv6", () => {
  it.each([
    ["::", [0, 0, 0, 0, 0, 0, 0, 0]],
    ["::1", [0, 0, 0, 0, 0, 0, 0, 1]],
    ["1::", [1, 0, 0, 0, 0, 0, 0, 0]],
    ["1:2:3:4:5:6:7:8", [1, 2, 3, 4, 5, 6, 7, 8]],
    ["::ffff:1.2.3.4", [0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]],
    ["1:2:3:4:5:6:1.2.3.4", [1, 2, 3, 4, 5, 6, 0x102, 0x304]],
    ["fe80::1%lo0", [0xfe80, 0, 0, 0, 0, 0, 0, 1]],
  ])("reads %s", (text, groups) => {
    expect(parseIPv6(text)).toEqual(groups);
  });

  it.each(["1.2.3.4", "1:2", ":::", "g::1", "example.com"])("rejects %s", (text) => {
    expect(parseIPv6(text)).toBeUndefined();
  });
});

describe("isBlockedHostName", () => {
  it.each(["metadata.google.internal", "METADATA.google.internal.", "instance-data"])("refuses %s", (name) => {
    expect(isBlockedHostName(name)).toBe(true);
  });
  it("allows an ordinary name", () => {
    expect(isBlockedHostName("hooks.example.com")).toBe(false);
  });
});
