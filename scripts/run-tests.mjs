// Runs vitest in two groups and prints a closing line "tests: N passed, N failed, N skipped":
// first every ordinary test file in parallel, then the *.alone.test.ts files (latency bounds)
// one at a time, so that no other test competes with them for the CPU.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";

const results = ".test-results.json";
const args = process.argv.slice(2);

/** Runs one group; returns its exit status and counts. */
function runGroup(group) {
  rmSync(results, { force: true });
  const run = spawnSync(
    "vitest",
    [
      "run",
      "--passWithNoTests",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${results}`,
      ...args,
    ],
    { stdio: "inherit", shell: false, env: { ...process.env, GUARDIAN_TEST_GROUP: group } },
  );
  try {
    const r = JSON.parse(readFileSync(results, "utf8"));
    const counts = {
      passed: r.numPassedTests,
      failed: r.numFailedTests,
      skipped: r.numPendingTests + r.numTodoTests,
    };
    if (r.numFailedTestSuites > 0 && counts.failed === 0) counts.failed = r.numFailedTestSuites;
    return { status: run.status ?? 1, ...counts };
  } catch {
    return { status: run.status ?? 1, passed: 0, failed: 1, skipped: 0 };
  }
}

const groups = ["parallel", "alone"].map(runGroup);
const total = (k) => groups.reduce((n, g) => n + g[k], 0);
const summary = { passed: total("passed"), failed: total("failed"), skipped: total("skipped") };
console.log(
  `\ntests: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`,
);
const failedRun = groups.some((g) => g.status !== 0);
process.exit(failedRun || summary.failed > 0 || summary.passed === 0 ? 1 : 0);
