import type { HandlerContext } from "@connectrpc/connect";
import { createHash } from "node:crypto";
import { invalidArgument } from "../errors/bad-request.js";
import { pageTokenSignerOf } from "./page-signer.js";
import { textProblem } from "./text.js";

/**
 * The kind of one field of a page position: `text` (a non-empty, well-formed string without
 * U+0000, at most 2,048 characters) or `int` (a positive 64-bit integer).
 */
export type PositionFieldKind = "text" | "int";

/** The fields of a page position and their kinds, for example `{ a: "text" }`. */
export type PositionSpec = Readonly<Record<string, PositionFieldKind>>;

/** A decoded page position: every field of its spec, `int` fields as bigint. */
export type Position<S extends PositionSpec> = {
  [K in keyof S]: S[K] extends "int" ? bigint : string;
};

/** A paged request: its page token and any other fields the token is bound to. */
export interface PagedRequest {
  readonly pageToken: string;
}

/** What paging reads from a handler context: the signer, and the method a token belongs to. */
export type PagingContext = Pick<HandlerContext, "values" | "method">;

/** Reads and writes the page tokens of list RPCs whose positions follow one spec. */
export interface Paging<S extends PositionSpec> {
  /**
   * Decodes the request's page token: undefined when it is empty, otherwise the position it
   * carries. A token that this deployment did not sign, that belongs to another method or
   * to other request fields, or whose fields do not match the spec, is InvalidArgument
   * naming `page_token`.
   */
  read(ctx: PagingContext, req: PagedRequest): Position<S> | undefined;
  /** Signs the token of the page after `position` (the empty string when undefined). */
  next(ctx: PagingContext, req: PagedRequest, position: Position<S> | undefined): string;
  /**
   * Cuts one page from `rows`, which were read with `limit + 1` so that a further row tells
   * that there is a next page: the first `limit` rows, and the token of the page after the
   * last of them (`positionOf(last)`), or the empty string when nothing follows.
   */
  page<T>(
    ctx: PagingContext,
    req: PagedRequest,
    rows: readonly T[],
    limit: number,
    positionOf: (last: T) => Position<S>,
  ): { items: T[]; nextPageToken: string };
}

const maxTokenLength = 8192;
const maxTextLength = 2048;
const maxInt = 2n ** 63n - 1n;
const intRe = /^[1-9][0-9]{0,18}$/;

/**
 * Defines the paging of list RPCs whose positions follow `spec`. Tokens are signed with the
 * call's page token signer (HMAC-SHA256, a secret shared by the deployment), bound to the
 * method and to the request's other fields (`page_size` included), and every decoded field is checked against the
 * spec before a handler sees it. Every list RPC pages through this one helper.
 */
export function definePaging<S extends PositionSpec>(spec: S): Paging<S> {
  const names = Object.keys(spec).sort();
  const paging: Paging<S> = {
    read(ctx, req) {
      if (req.pageToken === "") return undefined;
      if (req.pageToken.length > maxTokenLength) {
        throw invalid(`must be at most ${maxTokenLength} characters`);
      }
      const payload = pageTokenSignerOf(ctx).verify(req.pageToken);
      if (payload === undefined) throw invalid("is not a page token this service issued");
      let body: unknown;
      try {
        body = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      } catch {
        throw invalid("is malformed");
      }
      if (!isRecord(body) || body["m"] !== methodOf(ctx) || body["f"] !== fingerprint(req)) {
        throw invalid("belongs to another request (send the other fields unchanged)");
      }
      return decodePosition(spec, names, body["p"]);
    },
    next(ctx, req, position) {
      if (position === undefined) return "";
      const p: Record<string, string> = {};
      for (const name of names) p[name] = String(position[name]);
      const body = JSON.stringify({ m: methodOf(ctx), f: fingerprint(req), p });
      return pageTokenSignerOf(ctx).sign(Buffer.from(body, "utf8").toString("base64url"));
    },
    page(ctx, req, rows, limit, positionOf) {
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      const more = rows.length > limit && last !== undefined;
      return { items, nextPageToken: more ? paging.next(ctx, req, positionOf(last)) : "" };
    },
  };
  return paging;
}

function decodePosition<S extends PositionSpec>(
  spec: S,
  names: string[],
  raw: unknown,
): Position<S> {
  if (!isRecord(raw) || Object.keys(raw).length !== names.length) throw invalid("is malformed");
  const out: Record<string, string | bigint> = {};
  for (const name of names) {
    const value = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (typeof value !== "string") throw invalid("is malformed");
    if (spec[name] === "int") {
      if (!intRe.test(value) || BigInt(value) > maxInt) throw invalid("is malformed");
      out[name] = BigInt(value);
    } else {
      if (value === "" || value.length > maxTextLength || textProblem(value) !== undefined) {
        throw invalid("is malformed");
      }
      out[name] = value;
    }
  }
  return out as Position<S>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function invalid(description: string) {
  return invalidArgument([{ field: "page_token", description }]);
}

function methodOf(ctx: PagingContext): string {
  return `${ctx.method.parent.typeName}/${ctx.method.name}`;
}

/** A digest of the request's fields other than its page token. */
function fingerprint(req: PagedRequest): string {
  const { pageToken: _token, ...fields } = req as PagedRequest & Record<string, unknown>;
  const text = JSON.stringify(fields, (_k, v: unknown) =>
    typeof v === "bigint" ? v.toString() : v,
  );
  return createHash("sha256").update(text).digest("base64url").slice(0, 22);
}

/** Clamps a page size: 0 means 100, above 1000 means 1000, negative is InvalidArgument. */
export function pageSize(size: number, field = "page_size"): number {
  if (size < 0) throw invalidArgument([{ field, description: "must not be negative" }]);
  return size === 0 ? 100 : Math.min(size, 1000);
}
