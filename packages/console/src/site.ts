import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import type { StaticSite } from "@guardian/kit";

/** Options for {@link createConsoleSite}. */
export interface ConsoleSiteOptions {
  /** The built console: `index.html` and `assets/`. */
  dir: string;
  /**
   * Origins the page may call besides its own (the token endpoints of external issuers), for
   * the Content-Security-Policy's `connect-src`.
   */
  connectOrigins?: readonly string[];
}

interface File {
  readonly path: string;
  readonly type: string;
  readonly cacheControl: string;
}

interface Loaded {
  readonly body: Buffer;
  readonly etag: string;
}

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".json": "application/json",
};

/** Hashed assets never change under their name; the page itself is always revalidated. */
const immutable = "public, max-age=31536000, immutable";
const revalidate = "no-cache";

/** The Content-Security-Policy of the console: its own scripts and styles only. */
export function consoleCsp(connectOrigins: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...connectOrigins].join(" ")}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Serves the built console: `/` (and `/index.html`) with `Cache-Control: no-cache`, the
 * content-hashed files under `/assets/` as immutable, each with an ETag (304 on a match), a
 * strict Content-Security-Policy and the usual hardening headers. The folder is listed when
 * the site is created; each file is read (and its ETag computed) once, when it is first
 * asked for, so a server nobody browses holds none of it (the source map alone is a few
 * MB). Returns false for any other path (the server's 404).
 */
export function createConsoleSite(opts: ConsoleSiteOptions): StaticSite {
  const files = new Map<string, File>();
  const loaded = new Map<string, Loaded>();
  const add = (path: string, file: string, cacheControl: string) => {
    const type = types[extname(file)] ?? "application/octet-stream";
    files.set(path, { path: file, type, cacheControl });
  };
  const load = (file: File): Loaded => {
    let done = loaded.get(file.path);
    if (done === undefined) {
      const body = readFileSync(file.path);
      const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
      loaded.set(file.path, (done = { body, etag }));
    }
    return done;
  };
  const index = join(opts.dir, "index.html");
  add("/", index, revalidate);
  add("/index.html", index, revalidate);
  const assets = join(opts.dir, "assets");
  for (const name of readdirSync(assets)) {
    if (statSync(join(assets, name)).isFile())
      add(`/assets/${name}`, join(assets, name), immutable);
  }
  const csp = consoleCsp(opts.connectOrigins);
  return (req, res, path) => {
    const found = files.get(path);
    if (found === undefined || (req.method !== "GET" && req.method !== "HEAD")) return false;
    const file = { ...found, ...load(found) };
    res.setHeader("content-security-policy", csp);
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("referrer-policy", "no-referrer");
    res.setHeader("x-frame-options", "DENY");
    res.setHeader("cache-control", file.cacheControl);
    res.setHeader("etag", file.etag);
    if (matches(req.headers["if-none-match"], file.etag)) {
      res.writeHead(304);
      res.end();
      return true;
    }
    res.setHeader("content-type", file.type);
    res.setHeader("content-length", file.body.byteLength);
    res.writeHead(200);
    if (req.method === "HEAD") res.end();
    else res.end(file.body);
    return true;
  };
}

function matches(header: string | undefined, etag: string): boolean {
  return (
    header !== undefined && header.split(",").some((t) => t.trim() === etag || t.trim() === "*")
  );
}
