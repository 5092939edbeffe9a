import { mkdirSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { makeTempDir, removeTempDir } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleCsp, createConsoleSite } from "./site.js";

/** A raw HTTP/1.1 exchange, so that paths reach the server exactly as written. */
function call(
  url: string,
  path: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/`,
      { method: init.method ?? "GET", headers: init.headers, path },
      (res) => {
        let body = "";
        res.on("data", (b: Buffer) => (body += b.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("console site", () => {
  let dir: string;
  let server: http.Server;
  let url: string;
  const page = "<!doctype html><title>Guardian</title>";
  const script = "console.log('console');";

  beforeAll(async () => {
    dir = await makeTempDir("guardian-site-");
    mkdirSync(join(dir, "assets", "nested"), { recursive: true });
    writeFileSync(join(dir, "index.html"), page);
    writeFileSync(join(dir, "assets", "index-AbC123.js"), script);
    writeFileSync(join(dir, "assets", "index-AbC123.css"), "body{margin:0}");
    writeFileSync(join(dir, "assets", "logo-Xy9.svg"), "<svg/>");
    writeFileSync(join(dir, "assets", "late-Q1.js"), "written before the site");
    writeFileSync(join(dir, "assets", "nested", "deep.js"), "1");
    writeFileSync(join(dir, "secret.txt"), "not served");
    const site = createConsoleSite({ dir, connectOrigins: ["https://sso.example.com"] });
    // Whatever the site declines reaches "the API": a 404 here, as kit's server answers.
    server = http.createServer((req, res) => {
      const raw = req.url ?? "";
      const q = raw.indexOf("?");
      if (!site(req, res, q < 0 ? raw : raw.slice(0, q))) res.writeHead(404).end("api");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await removeTempDir(dir);
  });

  it("serves / and /index.html revalidated, with an ETag that answers 304", async () => {
    for (const path of ["/", "/index.html", "/?code=1&state=2"]) {
      const res = await call(url, path);
      expect(res.status).toBe(200);
      expect(res.body).toBe(page);
      expect(res.headers["cache-control"]).toBe("no-cache");
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const again = await call(url, path, { headers: { "if-none-match": res.headers.etag! } });
      expect(again.status).toBe(304);
      expect(again.body).toBe("");
      expect(again.headers.etag).toBe(res.headers.etag);
    }
    const stale = await call(url, "/", { headers: { "if-none-match": '"other"' } });
    expect(stale.status).toBe(200);
  });

  it("serves hashed assets as immutable for a year, with their content types", async () => {
    const cases = [
      ["/assets/index-AbC123.js", "text/javascript; charset=utf-8"],
      ["/assets/index-AbC123.css", "text/css; charset=utf-8"],
      ["/assets/logo-Xy9.svg", "image/svg+xml"],
    ] as const;
    for (const [path, type] of cases) {
      const res = await call(url, path);
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe(type);
      expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
    }
    expect((await call(url, "/assets/index-AbC123.js")).body).toBe(script);
  });

  it("reads a file when it is first asked for, and only then", async () => {
    // Listed when the site was made, but not read: what it holds now is what is served.
    writeFileSync(join(dir, "assets", "late-Q1.js"), "written after the site");
    const first = await call(url, "/assets/late-Q1.js");
    expect(first.body).toBe("written after the site");
    writeFileSync(join(dir, "assets", "late-Q1.js"), "written after the first answer");
    const again = await call(url, "/assets/late-Q1.js");
    expect(again.body).toBe("written after the site");
    expect(again.headers.etag).toBe(first.headers.etag);
  });

  it("answers HEAD with the headers and no body", async () => {
    const res = await call(url, "/assets/index-AbC123.js", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe(String(Buffer.byteLength(script)));
    expect(res.body).toBe("");
  });

  it("declines unknown paths, path tricks, encoded slashes and other methods", async () => {
    const declined = [
      "/secret.txt",
      "/assets/",
      "/assets/missing.js",
      "/assets/nested/deep.js",
      "/assets/../secret.txt",
      "/assets/..%2Fsecret.txt",
      "/assets%2Findex-AbC123.js",
      "/%2e%2e/secret.txt",
      "//index.html",
      "/index.html/",
      "/guardian.config.v1.ConfigService/ReadConfig",
    ];
    for (const path of declined) {
      const res = await call(url, path);
      expect([path, res.status, res.body]).toEqual([path, 404, "api"]);
    }
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) {
      const res = await call(url, "/", { method });
      expect([method, res.status]).toEqual([method, 404]);
    }
  });

  it("sends a strict CSP and the hardening headers on every file", async () => {
    for (const path of ["/", "/assets/index-AbC123.js"]) {
      const res = await call(url, path);
      expect(res.headers["content-security-policy"]).toBe(consoleCsp(["https://sso.example.com"]));
      expect(res.headers["x-frame-options"]).toBe("DENY");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
    }
    const csp = consoleCsp(["https://sso.example.com"]);
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("connect-src 'self' https://sso.example.com;");
    expect(csp).not.toContain("unsafe");
  });
});
