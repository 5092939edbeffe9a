import { create } from "@bufbuild/protobuf";
import {
  ConfigService,
  getAccess,
  ReportConfigStatusRequestSchema,
  WatchRequestSchema,
} from "@guardian/api";
import { describe, expect, it } from "vitest";
import { decide } from "./decide.js";
import { readTarget } from "./call-target.js";

const report = ConfigService.method.reportConfigStatus;
const reportAccess = getAccess(report)!;

function reportOf(keys: string[]) {
  return create(ReportConfigStatusRequestSchema, {
    project: "payments",
    instanceId: "web-1",
    statuses: keys.map((key) => ({ key, version: 1n })),
  });
}

describe("readTarget", () => {
  it("reads every key of a repeated message field named as list.field", () => {
    expect(readTarget(reportAccess, report, reportOf(["eu/a", "", "eu/b"]))).toEqual({
      project: "payments",
      keys: ["eu/a", "eu/b"],
    });
    expect(readTarget(reportAccess, report, reportOf([]))).toEqual({
      project: "payments",
      keys: [],
    });
  });

  it("reads the member of a oneof that is set", () => {
    const watch = ConfigService.method.watch;
    const message = create(WatchRequestSchema, {
      project: "payments",
      target: { case: "prefix", value: "eu/" },
    });
    expect(readTarget(getAccess(watch)!, watch, message)).toEqual({
      project: "payments",
      keys: ["eu/"],
    });
  });

  it("lets a prefixed API key report only when every reported key lies inside its prefix", () => {
    const principal = {
      kind: "api_key" as const,
      id: "ak_1",
      name: "apikey:ak_1",
      project: "payments",
      apiKey: { id: "ak_1", project: "payments", scope: "read" as const, keyPrefix: "eu" },
    };
    const decideOn = (keys: string[]) =>
      decide(reportAccess, principal, readTarget(reportAccess, report, reportOf(keys)), "R");
    expect(decideOn(["eu/a", "eu/b"]).allowed).toBe(true);
    expect(decideOn(["eu/a", "us/a"])).toEqual({
      allowed: false,
      message: 'this API key is restricted to keys under "eu"',
    });
    // No key at all covers the whole project: refused for a prefixed key.
    expect(decideOn([]).allowed).toBe(false);
  });
});
