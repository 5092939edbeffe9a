import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import { ConfigService, ListConfigsRequestSchema, type ListConfigsRequest } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { createPageTokenSigner, pageTokenSignerKey, type PageTokenSigner } from "./page-signer.js";
import { definePaging, type PagingContext } from "./paging.js";

const secret = "a page token secret of 32+ chars";
const signer = createPageTokenSigner(secret);
const ctxOf = (
  s: PageTokenSigner,
  method: PagingContext["method"] = ConfigService.method.listConfigs,
): PagingContext => ({
  values: createContextValues().set(pageTokenSignerKey, s),
  method,
});
const ctx = ctxOf(signer);
const paging = definePaging({ a: "text", r: "int" });
const req = (init: Omit<Partial<ListConfigsRequest>, "$typeName"> = {}) =>
  create(ListConfigsRequestSchema, { project: "payments", prefix: "eu/", ...init });

function refusal(fn: () => unknown): ConnectError {
  try {
    fn();
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("expected the token to be refused");
}

/** Re-signs a token's payload after `change` edits its decoded JSON body. */
function resign(token: string, change: (body: { p: Record<string, unknown> }) => void): string {
  const payload = token.slice(0, token.lastIndexOf("."));
  const body = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as {
    p: Record<string, unknown>;
  };
  change(body);
  return signer.sign(Buffer.from(JSON.stringify(body)).toString("base64url"));
}

describe("page tokens", () => {
  it("round-trip a position for the same method and request fields", () => {
    const token = paging.next(ctx, req({ pageSize: 7 }), { a: "eu/b", r: 42n });
    expect(paging.read(ctx, req({ pageToken: token, pageSize: 7 }))).toEqual({
      a: "eu/b",
      r: 42n,
    });
    expect(paging.read(ctx, req())).toBeUndefined();
    expect(paging.next(ctx, req(), undefined)).toBe("");
  });

  it("verify across processes sharing the secret, and nowhere else", () => {
    const token = paging.next(ctx, req(), { a: "k", r: 1n });
    const peer = ctxOf(createPageTokenSigner(secret));
    expect(paging.read(peer, req({ pageToken: token }))).toEqual({ a: "k", r: 1n });
    const stranger = ctxOf(createPageTokenSigner("another secret that is long enough"));
    const err = refusal(() => paging.read(stranger, req({ pageToken: token })));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("page_token");
  });

  it("refuse a token that was altered, truncated, unsigned or made for another request", () => {
    const token = paging.next(ctx, req(), { a: "eu/b", r: 42n });
    const payload = token.slice(0, token.lastIndexOf("."));
    const forged = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as {
      p: { r: string };
    };
    forged.p.r = "1";
    const bad = [
      `${Buffer.from(JSON.stringify(forged)).toString("base64url")}${token.slice(payload.length)}`,
      token.slice(0, -2),
      payload,
      Buffer.from(JSON.stringify({ a: "eu/b", r: "1" })).toString("base64url"),
      "x".repeat(10_000),
      "%%%",
    ];
    for (const pageToken of bad) {
      const err = refusal(() => paging.read(ctx, req({ pageToken })));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toMatch(/^invalid page_token: /);
    }
    const other = refusal(() => paging.read(ctx, req({ pageToken: token, prefix: "us/" })));
    expect(other.rawMessage).toContain("another request");
    const size = refusal(() => paging.read(ctx, req({ pageToken: token, pageSize: 5 })));
    expect(size.rawMessage).toContain("another request");
    const method = ctxOf(signer, ConfigService.method.listRevisions);
    expect(refusal(() => paging.read(method, req({ pageToken: token }))).code).toBe(
      Code.InvalidArgument,
    );
  });

  it("check every decoded field even of a correctly signed token", () => {
    const token = paging.next(ctx, req(), { a: "eu/b", r: 42n });
    const changes: Array<(b: { p: Record<string, unknown> }) => void> = [
      (b) => (b.p["r"] = "abc"),
      (b) => (b.p["r"] = "-1"),
      (b) => (b.p["r"] = "0"),
      (b) => (b.p["r"] = "9223372036854775808"),
      (b) => (b.p["r"] = 42),
      (b) => (b.p["a"] = ""),
      (b) => (b.p["a"] = "eu/\u0000"),
      (b) => (b.p["a"] = "eu/\ud800"),
      (b) => (b.p["a"] = "x".repeat(3000)),
      (b) => (b.p["a"] = { nested: true }),
      (b) => delete b.p["a"],
      (b) => (b.p["extra"] = "1"),
      (b) => (b.p = ["eu/b", "42"] as unknown as Record<string, unknown>),
    ];
    for (const change of changes) {
      const err = refusal(() => paging.read(ctx, req({ pageToken: resign(token, change) })));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toBe("invalid page_token: is malformed");
    }
    const max = resign(token, (b) => (b.p["r"] = "9223372036854775807"));
    expect(paging.read(ctx, req({ pageToken: max }))?.r).toBe(2n ** 63n - 1n);
  });

  it("refuse secrets shorter than 32 bytes", () => {
    expect(() => createPageTokenSigner("short")).toThrow("at least 32 bytes");
  });
});

describe("one page of rows", () => {
  const rows = [
    { k: "a", n: 1n },
    { k: "b", n: 2n },
    { k: "c", n: 3n },
  ];
  const positionOf = (row: { k: string; n: bigint }) => ({ a: row.k, r: row.n });

  it("keeps `limit` rows and points the next token after the last of them", () => {
    const page = paging.page(ctx, req(), rows, 2, positionOf);
    expect(page.items.map((r) => r.k)).toEqual(["a", "b"]);
    expect(paging.read(ctx, req({ pageToken: page.nextPageToken }))).toEqual({ a: "b", r: 2n });
  });

  it("ends with an empty token when no row follows the page", () => {
    expect(paging.page(ctx, req(), rows, 3, positionOf)).toEqual({
      items: rows,
      nextPageToken: "",
    });
    expect(paging.page(ctx, req(), [], 3, positionOf)).toEqual({ items: [], nextPageToken: "" });
  });
});
