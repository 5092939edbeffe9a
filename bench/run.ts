// `pnpm bench [--duration=10s] [--warmup=3s] [figure...]`: measures Guardian side by side
// with etcd and writes bench/results/latest.json and latest.md (see bench/README.md).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir, removeTempDir } from "@guardian/testkit";
import { allFigures, unitOf } from "./figures/index.js";
import { parseArgs } from "./lib/args.js";
import { repoRoot } from "./lib/processes.js";
import { createContext, failedFigure } from "./lib/context.js";
import { toMarkdown, writeResults, type Figure } from "./lib/results.js";
import { ensureTools } from "./lib/system.js";

const resultsDir = fileURLToPath(new URL("./results", import.meta.url));
const readme = fileURLToPath(new URL("./README.md", import.meta.url));

/** Adds each read figure's share of the bare Node ceiling to its notes. */
function withCeiling(figures: Figure[]): Figure[] {
  const ceiling = figures.find((f) => f.name === "read_ceiling")?.guardian;
  if (ceiling === undefined || ceiling === null) return figures;
  return figures.map((f) =>
    f.name.startsWith("read") && f.name !== "read_ceiling" && f.guardian !== null
      ? {
          ...f,
          notes: [
            ...(f.notes ?? "")
              .split("; ")
              .filter((n) => n !== "" && !n.includes("of read_ceiling")),
            `${Math.round((f.guardian / ceiling) * 100)}% of read_ceiling (${ceiling} req/s)`,
          ].join("; "),
        }
      : f,
  );
}

/** A subset run replaces its figures in the previous results and keeps the others. */
function mergeWithPrevious(figures: Figure[], subset: boolean): Figure[] {
  const file = `${resultsDir}/latest.json`;
  if (!subset || !existsSync(file)) return figures;
  const previous = JSON.parse(readFileSync(file, "utf8")) as Figure[];
  const order = allFigures.flatMap((d) => d.names);
  const merged = new Map(previous.map((f) => [f.name, f]));
  for (const f of figures) merged.set(f.name, f);
  return [...merged.values()].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const { settings, names } = parseArgs(process.argv.slice(2), process.env);
  const known = allFigures.flatMap((d) => d.names);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    console.error(`bench: unknown figure ${unknown.join(", ")}; known: ${known.join(", ")}`);
    return 2;
  }
  const wanted = (name: string) => names.length === 0 || names.includes(name);
  const selected = allFigures.filter((d) => d.names.some(wanted));
  await ensureTools((line) => console.log(line));
  // Every figure runs `./guardian` as it is, so that none times a build: the CLI is compiled
  // from these sources here first when one changed (`./guardian` says so on stderr).
  const built = spawnSync(join(repoRoot, "guardian"), ["--help"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (built.status !== 0) {
    console.error("bench: ./guardian --help failed; the CLI could not be compiled");
    return 1;
  }
  const workDir = await makeTempDir("bench");
  const ctx = createContext(settings, workDir);
  const figures: Figure[] = [];
  try {
    for (const [i, def] of selected.entries()) {
      try {
        figures.push(...(await def.run(ctx)).filter((f) => wanted(f.name)));
      } catch (error) {
        console.error(`bench: ${def.names.join(", ")} failed: ${String(error)}`);
        figures.push(
          ...def.names.filter(wanted).map((n) => failedFigure(ctx, n, unitOf(n), error)),
        );
      }
      await ctx.release(new Set(selected.slice(i + 1).flatMap((d) => d.needs)));
    }
  } finally {
    await ctx.release(new Set());
    await removeTempDir(workDir);
  }
  const results = withCeiling(mergeWithPrevious(figures, names.length > 0));
  writeResults(resultsDir, readme, results, startedAt);
  console.log(`\n${toMarkdown(results, startedAt)}`);
  return figures.some((f) => f.error !== undefined) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
