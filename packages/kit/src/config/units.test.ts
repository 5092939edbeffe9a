import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, parseBytes, parseDuration } from "./units.js";

describe("parseBytes", () => {
  it("reads binary, decimal and Kubernetes-style suffixes in any case", () => {
    expect(parseBytes("4MiB")).toBe(4 * 1024 * 1024);
    expect(parseBytes("512KiB")).toBe(512 * 1024);
    expect(parseBytes("512kib")).toBe(512 * 1024);
    expect(parseBytes("1Gi")).toBe(1024 ** 3);
    expect(parseBytes("10MB")).toBe(10_000_000);
    expect(parseBytes("1.5KiB")).toBe(1536);
    expect(parseBytes("100 B")).toBe(100);
  });

  it("reads a plain integer as bytes", () => {
    expect(parseBytes("1048576")).toBe(1048576);
    expect(parseBytes("0")).toBe(0);
  });

  it("rejects unknown units, negatives, fractions of a byte and junk", () => {
    for (const bad of ["4 lots", "-1", "1.3B", "MiB", "", "4MiBs", "1e6"]) {
      expect(parseBytes(bad), bad).toBeUndefined();
    }
  });
});

describe("parseDuration", () => {
  it("reads single and compound units into milliseconds", () => {
    expect(parseDuration("15m")).toBe(900_000);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("2d")).toBe(172_800_000);
    expect(parseDuration("1.5s")).toBe(1500);
  });

  it("reads a plain integer as milliseconds", () => {
    expect(parseDuration("1500")).toBe(1500);
  });

  it("rejects unknown units and trailing junk", () => {
    for (const bad of ["soon", "15x", "1h30", "m", "", "-5s", "1.0005s"]) {
      expect(parseDuration(bad), bad).toBeUndefined();
    }
  });
});

describe("formatBytes", () => {
  it("uses the largest binary unit that divides the value exactly", () => {
    expect(formatBytes(4 * 1024 * 1024)).toBe("4MiB");
    expect(formatBytes(1536)).toBe("1536B");
    expect(formatBytes(2048)).toBe("2KiB");
  });
});

describe("formatDuration", () => {
  it("uses the largest unit that divides the value exactly", () => {
    expect(formatDuration(900_000)).toBe("15m");
    expect(formatDuration(5_400_000)).toBe("90m");
    expect(formatDuration(1500)).toBe("1500ms");
    expect(formatDuration(86_400_000)).toBe("1d");
  });
});
