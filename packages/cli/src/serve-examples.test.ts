import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { planServe, readServeSettings } from "./commands/serve-settings.js";
import { UsageError } from "./usage-error.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));

/** One `guardian serve` line of a shell example, with the environment its block sets. */
interface ServeExample {
  source: string;
  line: string;
  words: string[];
  env: Record<string, string>;
}

/** A shell value as the example writes it: quotes dropped, a command substitution filled in. */
function shellValue(raw: string): string {
  const unquoted = raw.replace(/^"(.*)"$/, "$1").replace(/^'(.*)'$/, "$1");
  return unquoted.replace(/\$\([^)]*\)/g, "generated-secret-".padEnd(44, "x"));
}

/** Every `guardian serve` line in the fenced shell blocks of a Markdown file. */
function serveExamples(file: string): ServeExample[] {
  const text = readFileSync(join(root, file), "utf8");
  const examples: ServeExample[] = [];
  for (const block of text.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    const env: Record<string, string> = {};
    for (const raw of block[1]!.split("\n")) {
      const line = raw.replace(/\s+#.*$/, "").trim();
      const exported = /^export\s+([A-Z_][A-Z0-9_]*)=("[^"]*"|'[^']*'|\S+)$/.exec(line);
      if (exported) env[exported[1]!] = shellValue(exported[2]!);
      const serve = /^((?:[A-Z_][A-Z0-9_]*=\S+\s+)*)(?:\.\/)?guardian serve\b(.*)$/.exec(line);
      if (!serve) continue;
      const inline = Object.fromEntries(
        serve[1]!
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map((pair) => {
            const at = pair.indexOf("=");
            return [pair.slice(0, at), shellValue(pair.slice(at + 1))];
          }),
      );
      const words = serve[2]!.trim().split(/\s+/).filter(Boolean);
      examples.push({ source: file, line, words, env: { ...env, ...inline } });
    }
  }
  return examples;
}

const documents = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const examples = documents.flatMap(serveExamples);

describe("every `guardian serve` example in the README and docs starts as written", () => {
  it("finds the README's production example", () => {
    expect(examples.some((e) => e.source === "README.md" && e.words.includes("config"))).toBe(true);
  });

  it.each(examples.map((e) => [`${e.source}: ${e.line}`, e] as const))("%s", (_name, example) => {
    const plan = planServe(example.words);
    // The console alone needs no database; every other example needs its settings complete.
    if (plan.hosted.length === 0) return;
    expect(() => readServeSettings(plan.hosted, example.env)).not.toThrow();
  });

  it("refuses config and schema without the store or GUARDIAN_STORE_URL, as the old example did", () => {
    const env = {
      DATABASE_URL: "postgres://guardian@db.example.com/guardian",
      GUARDIAN_PAGE_TOKEN_SECRET: "x".repeat(32),
    };
    expect(() => readServeSettings(planServe(["config", "schema"]).hosted, env)).toThrow(
      UsageError,
    );
    expect(() =>
      readServeSettings(planServe(["config", "schema"]).hosted, {
        ...env,
        GUARDIAN_STORE_URL: "http://store:8080",
      }),
    ).not.toThrow();
  });

  it("refuses etcd endpoints that store or cluster would ignore without GUARDIAN_STORE_ENGINE=etcd", () => {
    const env = {
      DATABASE_URL: "postgres://guardian@db.example.com/guardian",
      GUARDIAN_PAGE_TOKEN_SECRET: "x".repeat(32),
      ETCD_ENDPOINTS: "http://etcd-1:2379",
    };
    for (const service of ["store", "cluster"]) {
      expect(() => readServeSettings(planServe([service]).hosted, env)).toThrow(
        /GUARDIAN_STORE_ENGINE/,
      );
      expect(() =>
        readServeSettings(planServe([service]).hosted, { ...env, GUARDIAN_STORE_ENGINE: "etcd" }),
      ).not.toThrow();
    }
    // Services that never use etcd do not care.
    expect(() => readServeSettings(planServe(["auth"]).hosted, env)).not.toThrow();
  });
});
