import { describe, expect, it } from "vitest";
import { canonicalAddress, createTargetPolicy } from "./address-rules.js";
import { checkWebhookUrl, literalAddress } from "./target.js";

const strict = createTargetPolicy();

describe("webhook address rules", () => {
  it.each([
    "127.0.0.1",
    "127.255.0.9",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "224.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "::",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "64:ff9b::a00:1",
    "2002:7f00:1::",
    "::127.0.0.1",
  ])("refuses the non-public address %s", (address) => {
    expect(strict.addressAllowed(address)).toBe(false);
  });

  it.each(["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])(
    "allows the public address %s",
    (address) => {
      expect(strict.addressAllowed(address)).toBe(true);
    },
  );

  it("unwraps IPv4-mapped IPv6 addresses in every notation", () => {
    expect(canonicalAddress("::ffff:127.0.0.1")).toEqual({ address: "127.0.0.1", family: 4 });
    expect(canonicalAddress("[::ffff:7f00:1]")).toEqual({ address: "127.0.0.1", family: 4 });
    expect(canonicalAddress("0:0:0:0:0:ffff:a9fe:a9fe")).toEqual({
      address: "169.254.169.254",
      family: 4,
    });
    expect(canonicalAddress("::1").family).toBe(6);
  });

  it("allows listed networks, addresses and host names, and only those", () => {
    const policy = createTargetPolicy(["127.0.0.0/8", "fd00::/8", "10.9.9.9", "hooks.internal"]);
    expect(policy.addressAllowed("127.0.0.1")).toBe(true);
    expect(policy.addressAllowed("::ffff:127.0.0.1")).toBe(true);
    expect(policy.addressAllowed("fd00::5")).toBe(true);
    expect(policy.addressAllowed("10.9.9.9")).toBe(true);
    expect(policy.addressAllowed("10.9.9.10")).toBe(false);
    expect(policy.addressAllowed("169.254.169.254")).toBe(false);
    expect(policy.hostAllowed("HOOKS.internal")).toBe(true);
    expect(policy.hostAllowed("other.internal")).toBe(false);
    expect(() => createTargetPolicy(["10.0.0.0/33"])).toThrow(/prefix length/);
    expect(() => createTargetPolicy(["example.com/8"])).toThrow(/not a CIDR/);
  });

  it("reads decimal, hex and short IPv4 forms in URLs as the address they mean", () => {
    const at = (u: string) => literalAddress(new URL(u));
    expect(at("http://2130706433/")).toBe("127.0.0.1");
    expect(at("http://0x7f000001/")).toBe("127.0.0.1");
    expect(at("http://0x7f.1/")).toBe("127.0.0.1");
    expect(at("http://017700000001/")).toBe("127.0.0.1");
    expect(at("http://[::ffff:127.0.0.1]/")).toBe("127.0.0.1");
    expect(at("http://example.com/")).toBeUndefined();
  });

  it("accepts only http and https URLs without credentials or fragments", () => {
    expect(checkWebhookUrl("https://hooks.example.com/guardian")).toBeUndefined();
    expect(checkWebhookUrl("ftp://hooks.example.com/")).toBe("must be http or https");
    expect(checkWebhookUrl("https://user:pw@hooks.example.com/")).toMatch(/user name/);
    expect(checkWebhookUrl("https://hooks.example.com/#x")).toMatch(/fragment/);
    expect(checkWebhookUrl("/relative")).toBe("must be an absolute URL");
    expect(checkWebhookUrl("")).toBe("must not be empty");
    expect(checkWebhookUrl(`https://a.example/${"x".repeat(2100)}`)).toMatch(/at most 2048/);
  });
});
