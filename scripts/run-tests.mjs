// Runs vitest once and prints a closing line "tests: N passed, N failed, N skipped".
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";

const results = ".test-results.json";
rmSync(results, { force: true });
const run = spawnSync(
  "vitest",
  [
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${results}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit", shell: false },
);
let summary;
try {
  const r = JSON.parse(readFileSync(results, "utf8"));
  summary = {
    passed: r.numPassedTests,
    failed: r.numFailedTests,
    skipped: r.numPendingTests + r.numTodoTests,
  };
  if (r.numFailedTestSuites > 0 && summary.failed === 0) summary.failed = r.numFailedTestSuites;
} catch {
  summary = { passed: 0, failed: 1, skipped: 0 };
}
console.log(
  `\ntests: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`,
);
const code = run.status ?? 1;
process.exit(code !== 0 ? code : summary.failed > 0 || summary.passed === 0 ? 1 : 0);
