import { Code, ConnectError } from "@connectrpc/connect";
import { createHash } from "node:crypto";

/**
 * Encodes a page position with a fingerprint of the request it belongs to, so a token sent
 * with different request fields is refused rather than silently misapplied.
 */
export function encodePageToken(position: Record<string, string>, request: unknown): string {
  return Buffer.from(JSON.stringify({ ...position, f: fingerprint(request) })).toString(
    "base64url",
  );
}

/**
 * Decodes a page token made by {@link encodePageToken} for the same request fields, or
 * throws InvalidArgument naming `page_token`. An empty token decodes to undefined.
 */
export function decodePageToken(
  token: string,
  request: unknown,
): Record<string, string> | undefined {
  if (token === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    (parsed as { f?: unknown }).f !== fingerprint(request)
  ) {
    throw new ConnectError(
      "invalid page_token: not a token of this request (send the other fields unchanged)",
      Code.InvalidArgument,
    );
  }
  return parsed as Record<string, string>;
}

function fingerprint(request: unknown): string {
  const text = JSON.stringify(request, (_k, v: unknown) =>
    typeof v === "bigint" ? v.toString() : v,
  );
  return createHash("sha256").update(text).digest("base64url").slice(0, 12);
}

/** Clamps a page size: 0 means 100, above 1000 means 1000, negative is InvalidArgument. */
export function pageSize(size: number, field = "page_size"): number {
  if (size < 0)
    throw new ConnectError(`invalid ${field}: must not be negative`, Code.InvalidArgument);
  return size === 0 ? 100 : Math.min(size, 1000);
}
