// Summarises a V8 CPU profile (node --cpu-prof): where the samples were taken, by function
// (self time) and by package. Usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** The package a script belongs to: `pkg` under node_modules, `packages/x` or `services/x`. */
function packageOf(url: string): string {
  const modules = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules !== null) return modules[1] as string;
  const own = /\/((?:packages|services)\/[^/]+)\//.exec(url);
  if (own !== null) return own[1] as string;
  if (url.startsWith("node:") || url === "") return "(node and native)";
  return url;
}

function top(counts: Map<string, number>, total: number, n: number): string[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, c]) => `${((c / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
}

const [file, topArg] = process.argv.slice(2);
if (file === undefined) {
  console.error("usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const id of profile.samples) {
  const frame = byId.get(id)?.callFrame;
  if (frame === undefined) continue;
  const where = frame.url.replace(/^.*\/(node_modules|packages|services)\//, "$1/");
  const name = `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
  const pkg = frame.functionName === "(idle)" ? "(idle)" : packageOf(frame.url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1);
}
const total = profile.samples.length;
const seconds = (profile.endTime - profile.startTime) / 1e6;
const n = Number(topArg ?? 25);
console.log(`${total} samples over ${seconds.toFixed(1)} s`);
console.log(`\nBy package (self time):\n${top(byPackage, total, n).join("\n")}`);
console.log(`\nBy function (self time):\n${top(byFunction, total, n).join("\n")}`);
