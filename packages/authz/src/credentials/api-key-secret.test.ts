import { describe, expect, it } from "vitest";
import {
  apiKeySecretHint,
  apiKeySecretMatches,
  generateApiKeyId,
  generateApiKeySecret,
  hashApiKeySecret,
  parseApiKeySecret,
} from "./api-key-secret.js";

describe("API key secrets", () => {
  it("have the form gdn_<id>_<43 base64url characters> and name their key", () => {
    const id = generateApiKeyId();
    expect(id).toMatch(/^ak_[0-9a-f]{12}$/);
    const secret = generateApiKeySecret(id);
    expect(secret).toMatch(/^gdn_ak_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKeySecret(secret)).toEqual({ id });
  });

  it("parse even when the random part contains underscores", () => {
    const secret = `gdn_ak_0123456789ab_${"_".repeat(43)}`;
    expect(parseApiKeySecret(secret)).toEqual({ id: "ak_0123456789ab" });
  });

  it("refuse anything else", () => {
    for (const text of [
      "",
      "gdn_",
      "gdn_ak_12_abc",
      "Bearer x",
      `gdn_ak_0123456789ab_${"a".repeat(44)}`,
    ]) {
      expect(parseApiKeySecret(text)).toBeUndefined();
    }
  });

  it("are stored as a SHA-256 that only the same secret matches", () => {
    const secret = generateApiKeySecret("ak_0123456789ab");
    const hash = hashApiKeySecret(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(secret.slice(20));
    expect(apiKeySecretMatches(secret, hash)).toBe(true);
    expect(apiKeySecretMatches(generateApiKeySecret("ak_0123456789ab"), hash)).toBe(false);
    expect(apiKeySecretMatches(secret, "")).toBe(false);
  });

  it("show a hint of the id and two secret characters, not enough to authenticate", () => {
    const secret = generateApiKeySecret("ak_0123456789ab");
    const hint = apiKeySecretHint(secret);
    expect(hint).toBe(secret.slice(0, "gdn_ak_0123456789ab_".length + 2));
  });
});
