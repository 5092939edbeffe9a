import { Code } from "@connectrpc/connect";
import { pageTokenSignerKey } from "@guardian/kit";
import { describe, expect, it } from "vitest";
import { as, useHarness } from "../testing/harness.js";
import { apiKey, json, newProject } from "../testing/fixtures.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness();

// The in-memory services sign with this process's default signer.
const signer = pageTokenSignerKey.defaultValue;

type Body = { p: Record<string, string> };
const b64 = (s: string) => Buffer.from(s).toString("base64url");
const bodyOf = (token: string) =>
  JSON.parse(Buffer.from(token.slice(0, token.lastIndexOf(".")), "base64url").toString()) as Body;
const resign = (token: string, change: (b: Body) => void) => {
  const body = bodyOf(token);
  change(body);
  return signer.sign(b64(JSON.stringify(body)));
};

/** The token with its last character (part of the signature) replaced by another one. */
const flipLastChar = (token: string) => token.slice(0, -1) + (token.endsWith("A") ? "Q" : "A");

/** A project whose configs "a", "b" and "c" have two revisions each. */
async function project(): Promise<string> {
  const p = await newProject(h);
  for (const key of ["a", "b", "c"]) {
    await h.config.createConfig({ project: p, key, content: json(1), schema: "any" });
    await h.config.updateConfig({ project: p, key, content: json(2) });
  }
  return p;
}

describe("page tokens handed out by the config service", () => {
  it("are signed: an unsigned or altered token is InvalidArgument naming page_token, for API keys too", async () => {
    const p = await project();
    const key = as(apiKey(p));
    const first = await h.config.listConfigs({ project: p, pageSize: 1 }, key);
    expect(first.nextPageToken).not.toBe("");
    // The forgery that used to work: base64 JSON naming an old store revision.
    const inner = b64(JSON.stringify({ a: "a", r: "1", f: "x" }));
    const forged = [
      b64(JSON.stringify({ s: inner, f: "x" })),
      flipLastChar(first.nextPageToken),
      `${b64(JSON.stringify({ ...bodyOf(first.nextPageToken), p: { s: inner } }))}.${first.nextPageToken.split(".").pop()}`,
    ];
    for (const pageToken of forged) {
      const err = await failureOf(
        h.config.listConfigs({ project: p, pageSize: 1, pageToken }, key),
      );
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toMatch(/^invalid page_token: /);
    }
    const revs = await h.config.listRevisions({ project: p, key: "a", pageSize: 1 }, key);
    const err = await failureOf(
      h.config.listRevisions(
        { project: p, key: "a", pageSize: 1, pageToken: flipLastChar(revs.nextPageToken) },
        key,
      ),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("page_token");
    // The genuine tokens still page to the end.
    const second = await h.config.listConfigs(
      { project: p, pageSize: 1, pageToken: first.nextPageToken },
      key,
    );
    expect(second.configs.map((c) => c.key)).toEqual(["b"]);
  });

  it("carry store tokens whose every field is checked: malformed ones are InvalidArgument, never Internal", async () => {
    const p = await project();
    const first = await h.config.listConfigs({ project: p, pageSize: 1 });
    const revs = await h.config.listRevisions({ project: p, key: "a", pageSize: 1 });
    const bad: Array<(b: Body) => void> = [
      (b) => (b.p["r"] = "not-a-number"),
      (b) => (b.p["r"] = "99999999999999999999"),
      (b) => (b.p["a"] = "a\u0000"),
      (b) => delete b.p["r"],
    ];
    for (const change of bad) {
      // A correctly signed outer token around a correctly signed, malformed store token.
      const pageToken = resign(first.nextPageToken, (outer) => {
        outer.p["s"] = resign(outer.p["s"]!, change);
      });
      const err = await failureOf(h.config.listConfigs({ project: p, pageSize: 1, pageToken }));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toBe("invalid page_token: is malformed");
    }
    for (const change of [(b: Body) => (b.p["b"] = "x"), (b: Body) => (b.p["b"] = "-5")]) {
      const pageToken = resign(revs.nextPageToken, (outer) => {
        outer.p["s"] = resign(outer.p["s"]!, change);
      });
      const err = await failureOf(
        h.config.listRevisions({ project: p, key: "a", pageSize: 1, pageToken }),
      );
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toBe("invalid page_token: is malformed");
    }
    const direct = await failureOf(
      h.store.range({ project: p, limit: 1, pageToken: "eyJhIjoiYSIsInIiOiJ4In0" }),
    );
    expect(direct.code).toBe(Code.InvalidArgument);
  });
});
