import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** Signs and verifies the page tokens a server hands out (HMAC-SHA256 with a server secret). */
export interface PageTokenSigner {
  /** Returns `payload` (base64url) followed by `.` and its signature. */
  sign(payload: string): string;
  /** Returns the payload of a token this signer made, or undefined for any other string. */
  verify(token: string): string | undefined;
}

/** The shortest page token secret accepted, in bytes (256 bits). */
export const minPageTokenSecretBytes = 32;

// Binds the MAC to its purpose, so no other HMAC made with the same secret verifies here.
const domain = "guardian page token v1\n";
const macLength = 32;

/**
 * Creates a page token signer over `secret`; every process of a deployment must use the
 * same secret, so that any of them accepts a token another one made. Verification compares
 * the signature in constant time.
 */
export function createPageTokenSigner(secret: string | Uint8Array): PageTokenSigner {
  const key = typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.from(secret);
  if (key.length < minPageTokenSecretBytes) {
    throw new Error(`a page token secret needs at least ${minPageTokenSecretBytes} bytes`);
  }
  const mac = (payload: string) =>
    createHmac("sha256", key).update(domain).update(payload).digest();
  return {
    sign: (payload) => `${payload}.${mac(payload).toString("base64url")}`,
    verify(token) {
      const dot = token.lastIndexOf(".");
      if (dot <= 0) return undefined;
      const payload = token.slice(0, dot);
      const given = Buffer.from(token.slice(dot + 1), "base64url");
      if (given.length !== macLength) return undefined;
      return timingSafeEqual(given, mac(payload)) ? payload : undefined;
    },
  };
}

/**
 * Context key holding the page token signer of a call; servers set it from their configured
 * secret. Its default signs with a secret made at random for this process, so tokens never
 * verify in another process unless a shared secret is configured.
 */
export const pageTokenSignerKey = createContextKey<PageTokenSigner>(
  createPageTokenSigner(randomBytes(minPageTokenSecretBytes)),
  { description: "guardian page token signer" },
);

/** Returns the page token signer of a call. */
export function pageTokenSignerOf(ctx: Pick<HandlerContext, "values">): PageTokenSigner {
  return ctx.values.get(pageTokenSignerKey);
}
