import { describe, expect, it } from "vitest";
import { clientAddress } from "./client-address.js";

describe("clientAddress", () => {
  it("uses the peer and ignores x-forwarded-for when no proxy is trusted", () => {
    expect(clientAddress("10.0.0.5", "203.0.113.9", 0)).toBe("10.0.0.5");
  });

  it("takes the entry the outermost trusted proxy appended, counting from the right", () => {
    const xff = "198.51.100.1, 203.0.113.7, 10.1.0.3";
    expect(clientAddress("10.0.0.5", xff, 1)).toBe("10.1.0.3");
    expect(clientAddress("10.0.0.5", xff, 2)).toBe("203.0.113.7");
    expect(clientAddress("10.0.0.5", ["198.51.100.1", "2001:db8::7"], 1)).toBe("2001:db8::7");
  });

  it("falls back to the peer when the header is missing, too short or not an address", () => {
    expect(clientAddress("10.0.0.5", undefined, 1)).toBe("10.0.0.5");
    expect(clientAddress("10.0.0.5", "203.0.113.7", 2)).toBe("10.0.0.5");
    expect(clientAddress("10.0.0.5", "a, <script>", 1)).toBe("10.0.0.5");
  });
});
