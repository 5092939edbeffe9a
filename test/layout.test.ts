import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The layout rules every package follows, checked over the tracked source files, so that a
// newcomer finds each job in the same place in every service (see docs/architecture.md).

const files = execFileSync("git", ["ls-files", "packages/*/src/**.ts", "services/*/src/**.ts"], {
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => f.endsWith(".ts"));

/** Source that ships: not generated, not a test, not a test helper or the test kit. */
const shipped = files.filter(
  (f) =>
    !/\/gen\//.test(f) &&
    !/\.test\.ts$/.test(f) &&
    !/\/testing\//.test(f) &&
    !f.startsWith("packages/testkit/"),
);

const text = (f: string) => readFileSync(f, "utf8");

describe("source layout", () => {
  it("keeps SQL text in modules under a folder named sql/", () => {
    const sql =
      /["'`]\s*(SELECT\s+(?!1\b)|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|WITH\s+\w+\s+AS\s*\()/i;
    // The database package is where connections, transactions and migrations live.
    const elsewhere = shipped.filter(
      (f) => !f.startsWith("packages/db/") && !/\/sql\//.test(f) && sql.test(text(f)),
    );
    expect(elsewhere).toEqual([]);
  });

  it("keeps files under about 300 lines (data tables of the schema conformance aside)", () => {
    const long = shipped.filter(
      (f) => !f.includes("/conformance/") && text(f).split("\n").length > 310,
    );
    expect(long).toEqual([]);
  });

  it("sleeps and backs off only through kit's helpers", () => {
    const own = shipped.filter(
      (f) =>
        !f.startsWith("packages/kit/src/timing/") &&
        /function sleep\(|const sleep =|backoff \* 2|Backoff \* 2|backoffMs \* 2/.test(text(f)),
    );
    expect(own).toEqual([]);
  });

  it("maps each service's errors through one table registered with mapErrors", () => {
    for (const service of ["auth", "config", "schema", "cluster", "store"]) {
      const routes = text(`services/${service}/src/routes.ts`);
      expect(routes, service).toMatch(/mapErrors\(/);
    }
  });

  it("collects request checks with kit's failOn, never a local copy", () => {
    const copies = shipped.filter(
      (f) =>
        /flatMap\(\(\[field, (description|problem)\]\)/.test(text(f)) &&
        !f.startsWith("packages/kit/"),
    );
    expect(copies).toEqual([]);
  });
});

describe("tracked text", () => {
  it("holds no unresolved merge markers", () => {
    const tracked = execFileSync("git", ["ls-files", "-z"], { encoding: "utf8" })
      .split("\0")
      .filter((f) => /\.(ts|tsx|mjs|js|json|md|ya?ml|proto|sql|sh|toml)$/.test(f))
      .filter((f) => !f.includes("/gen/") && !f.endsWith("pnpm-lock.yaml"));
    const marked = tracked.filter((f) => {
      try {
        return /^(<{7} |>{7} |={7}$)/m.test(text(f));
      } catch {
        return false; // listed but not checked out (a deleted file not yet committed)
      }
    });
    expect(marked).toEqual([]);
  });
});
