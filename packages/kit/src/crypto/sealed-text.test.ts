import { describe, expect, it } from "vitest";
import { openText, sealText, SealedTextError } from "./sealed-text.js";

const kindOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof SealedTextError ? err.kind : `other: ${String(err)}`;
  }
  return "no error";
};

describe("sealed text", () => {
  it("round-trips under a secret, with a fresh IV each time, and marks plain text without one", () => {
    const a = sealText("wébhook sécret", "s3cret", "purpose a");
    const b = sealText("wébhook sécret", "s3cret", "purpose a");
    expect(a).toMatch(/^aes-256-gcm:[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toBe(b);
    expect(openText(a, "s3cret", "purpose a")).toBe("wébhook sécret");
    expect(sealText("x", undefined, "purpose a")).toBe("plain:x");
    expect(openText("plain:x", undefined, "purpose a")).toBe("x");
  });

  it("refuses the wrong secret, another purpose's key, a missing secret and bad formats", () => {
    const sealed = sealText("value", "s3cret", "purpose a");
    expect(kindOf(() => openText(sealed, "other", "purpose a"))).toBe("wrong_secret");
    expect(kindOf(() => openText(sealed, "s3cret", "purpose b"))).toBe("wrong_secret");
    expect(kindOf(() => openText(sealed, undefined, "purpose a"))).toBe("no_secret");
    expect(kindOf(() => openText("rot13:value", "s3cret", "purpose a"))).toBe("unknown_format");
    expect(kindOf(() => openText("aes-256-gcm:abc", "s3cret", "purpose a"))).toBe("malformed");
    const [iv, tag, body] = sealed.slice("aes-256-gcm:".length).split(".");
    const other = tag!.startsWith("A") ? "B" : "A";
    const flipped = `aes-256-gcm:${iv}.${other}${tag!.slice(1)}.${body}`;
    expect(kindOf(() => openText(flipped, "s3cret", "purpose a"))).toBe("wrong_secret");
  });
});
