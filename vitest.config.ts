import { defineConfig } from "vitest/config";

const roots = ["packages/*/src/**/", "services/*/src/**/", "envoy/**/", "deploy/**/", "test/**/"];

// Tests named *.alone.test.ts assert a latency bound, so they run after the others, one file
// at a time, with the machine to themselves (scripts/run-tests.mjs sets GUARDIAN_TEST_GROUP).
const alone = process.env["GUARDIAN_TEST_GROUP"] === "alone";

export default defineConfig({
  test: {
    include: roots.map((root) => `${root}*.${alone ? "alone.test" : "test"}.ts`),
    exclude: alone ? [] : ["**/node_modules/**", "**/*.alone.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // What the CLI's entry point does first, so in-process servers decode requests as it does.
    setupFiles: ["packages/kit/src/plain-proto-keys.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: !alone,
    maxWorkers: alone ? 1 : 2,
  },
});
