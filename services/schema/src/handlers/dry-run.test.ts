import { Dialect } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { appLatestVersion, appV1, appV2, seedApp } from "../testing/app-schema.js";
import { useHarness } from "../testing/harness.js";

const h = useHarness();

describe("DryRunSchemaVersion", () => {
  it("reports what would break without writing anything", async () => {
    const { project, versions } = await seedApp(h);
    const res = await h.schemas().dryRunSchemaVersion({ project, name: "app", content: appV2 });
    expect(res).toMatchObject({
      breakingCount: 2n,
      checkedCount: 3n,
      nextVersion: 2,
      unchanged: false,
      dialect: Dialect.DRAFT_2020_12,
    });
    expect(res.revision).toBeGreaterThanOrEqual(versions.anon);
    expect(res.wouldBreak.map((c) => [c.key, c.violations.map((v) => v.pointer)])).toEqual([
      ["b/high", ["/port"]],
      ["c/anon", ["/name", "/port"]],
    ]);
    expect(await appLatestVersion(h, project)).toBe(1);
  });

  it("says when the candidate equals the latest version", async () => {
    const { project } = await seedApp(h);
    const res = await h.schemas().dryRunSchemaVersion({ project, name: "app", content: appV1 });
    expect(res).toMatchObject({ unchanged: true, nextVersion: 1, breakingCount: 0n });
  });
});
