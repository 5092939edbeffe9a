import { create } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  CreateConfigRequestSchema,
  GetConfigRequestSchema,
  UpdateConfigRequestSchema,
  WatchRequestSchema,
} from "@guardian/api";
import { describe, expect, it } from "vitest";
import {
  checkCreateConfigRequest,
  checkGetConfigRequest,
  checkUpdateConfigRequest,
  checkWatchRequest,
} from "./configs.js";
import { encodeContent } from "../document/content.js";
import { json } from "../testing/fixtures.js";

/** Runs a check that must fail and returns the names of the fields it reports. */
function fields(check: () => unknown): string[] {
  try {
    check();
  } catch (err) {
    const e = ConnectError.from(err);
    expect(e.code).toBe(Code.InvalidArgument);
    return e.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field) ?? [];
  }
  throw new Error("expected the check to fail");
}

describe("request checks", () => {
  it("reports every malformed field of a create at once", () => {
    const req = create(CreateConfigRequestSchema, {
      project: "ok-project",
      key: "a//b",
      schema: "Bad Schema",
      labels: { UPPER: "x" },
      idempotencyKey: "has space",
      message: "m".repeat(1001),
    });
    expect(fields(() => checkCreateConfigRequest(req))).toEqual([
      "key",
      "content",
      "schema",
      "labels",
      "idempotency_key",
      "message",
    ]);
  });

  it("counts the message in characters: one outside the BMP counts as one", () => {
    const base = { project: "ok-project", key: "k", content: json(1), schema: "any" };
    const fits = create(CreateConfigRequestSchema, { ...base, message: "😀".repeat(1000) });
    expect(() => checkCreateConfigRequest(fits)).not.toThrow();
    const over = create(CreateConfigRequestSchema, { ...base, message: "😀".repeat(1001) });
    expect(fields(() => checkCreateConfigRequest(over))).toEqual(["message"]);
    expect(() => checkCreateConfigRequest(over)).toThrow(
      "invalid message: must be at most 1000 characters, got 1001",
    );
  });

  it("treats an empty update mask as content and refuses unknown paths", () => {
    const base = { project: "ok-project", key: "k", content: json(1) };
    expect([...checkUpdateConfigRequest(create(UpdateConfigRequestSchema, base))]).toEqual([
      "content",
    ]);
    const unknown = create(UpdateConfigRequestSchema, { ...base, updateMask: { paths: ["key"] } });
    expect(fields(() => checkUpdateConfigRequest(unknown))).toEqual(["update_mask"]);
    const noContent = create(UpdateConfigRequestSchema, { project: "ok-project", key: "k" });
    expect(fields(() => checkUpdateConfigRequest(noContent))).toEqual(["content"]);
    const labelsOnly = create(UpdateConfigRequestSchema, {
      project: "ok-project",
      key: "k",
      updateMask: { paths: ["labels"] },
    });
    expect([...checkUpdateConfigRequest(labelsOnly)]).toEqual(["labels"]);
  });

  it("refuses a read that sets both revision and min_revision", () => {
    const req = create(GetConfigRequestSchema, {
      project: "ok-project",
      key: "k",
      revision: 3n,
      minRevision: 4n,
    });
    expect(fields(() => checkGetConfigRequest(req))).toEqual(["min_revision"]);
  });

  it("refuses a watch with a bad key or a snapshot that does not start now", () => {
    const badKey = create(WatchRequestSchema, {
      project: "ok-project",
      target: { case: "key", value: "/x" },
    });
    expect(fields(() => checkWatchRequest(badKey))).toEqual(["key"]);
    const snap = create(WatchRequestSchema, {
      project: "ok-project",
      startRevision: 5n,
      sendInitialSnapshot: true,
    });
    expect(fields(() => checkWatchRequest(snap))).toEqual(["send_initial_snapshot"]);
  });

  it("refuses content that JSON cannot hold, naming the content field", () => {
    const nan = create(ValueSchema, { kind: { case: "numberValue", value: Number.NaN } });
    expect(fields(() => encodeContent(nan, 1024))).toEqual(["content"]);
  });
});
