// Summarises a V8 CPU profile (node --cpu-prof): where the samples were taken, by package
// and by function (self time), over the busiest `window` seconds of the profile (the load
// run, not start-up or the peer's turn); window 0 takes the whole profile.
// Frames of a bundled script (the compiled CLI) are mapped back to their sources through the
// script's linked source map, so shares are by source file as under tsx.
// Usage: tsx bench/profile-summary.ts <file.cpuprofile> [window seconds, default 10] [top]
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    functionName: string;
    url: string;
    lineNumber: number;
    columnNumber: number;
  };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
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

function frameName(frame: ProfileNode["callFrame"]): string {
  const where = frame.url.replace(/^.*\/(node_modules|packages|services)\//, "$1/");
  return `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}`;
}

function top(counts: Map<string, number>, total: number, n: number): string[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, c]) => `${((c / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
}

/** The [start, end) sample indexes of the `seconds` window with the fewest idle samples. */
function busiestWindow(p: Profile, isIdle: (id: number) => boolean, seconds: number) {
  if (seconds <= 0) return [0, p.samples.length] as const;
  const times: number[] = [];
  let t = 0;
  for (const delta of p.timeDeltas) times.push((t += delta));
  let best: readonly [number, number] = [0, p.samples.length];
  let bestIdle = Infinity;
  let idleIn = 0;
  let start = 0;
  for (let end = 0; end < p.samples.length; end++) {
    if (isIdle(p.samples[end] as number)) idleIn++;
    while ((times[end] as number) - (times[start] as number) > seconds * 1e6) {
      if (isIdle(p.samples[start] as number)) idleIn--;
      start++;
    }
    const full = (times[end] as number) - (times[0] as number) >= seconds * 1e6;
    if (full && idleIn / (end - start + 1) < bestIdle) {
      bestIdle = idleIn / (end - start + 1);
      best = [start, end + 1] as const;
    }
  }
  return best;
}

const [file, windowArg, topArg] = process.argv.slice(2);
if (file === undefined) {
  console.error("usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
mapToSources(profile);
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id);
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
// Inclusive time of Guardian's own functions (packages/, services/): what they call included.
const ownInclusive = new Map<string, number>();
let idle = 0;
const idleId = (id: number) => byId.get(id)?.callFrame.functionName === "(idle)";
const [from, to] = busiestWindow(profile, idleId, Number(windowArg ?? 10));
for (const id of profile.samples.slice(from, to)) {
  const frame = byId.get(id)?.callFrame;
  if (frame === undefined) continue;
  if (frame.functionName === "(idle)") idle++;
  byFunction.set(frameName(frame), (byFunction.get(frameName(frame)) ?? 0) + 1);
  const own = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const f = byId.get(at)?.callFrame;
    if (f !== undefined && /\/(packages|services)\//.test(f.url) && !/node_modules/.test(f.url)) {
      own.add(frameName(f));
    }
  }
  for (const name of own) ownInclusive.set(name, (ownInclusive.get(name) ?? 0) + 1);
  const pkg = frame.functionName === "(idle)" ? "(idle)" : packageOf(frame.url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1);
}
const total = to - from;
const seconds = profile.timeDeltas.slice(from + 1, to).reduce((a, b) => a + b, 0) / 1e6;
const n = Number(topArg ?? 25);
console.log(
  `${total} samples over ${seconds.toFixed(1)} s, ${((idle / total) * 100).toFixed(1)} % idle`,
);
console.log(`\nBy package (self time):\n${top(byPackage, total, n).join("\n")}`);
console.log(`\nBy function (self time):\n${top(byFunction, total, n).join("\n")}`);
console.log(
  `\nGuardian's functions (inclusive, share of busy time):\n` +
    top(ownInclusive, total - idle, n).join("\n"),
);

/** Rewrites the frames of scripts with a linked source map to their original file and line. */
function mapToSources(p: Profile): void {
  const maps = new Map<string, { map: SourceMap; dir: string } | undefined>();
  const mapOf = (url: string) => {
    if (!maps.has(url)) {
      const path = url.startsWith("file://") ? fileURLToPath(url) : undefined;
      const mapFile = path === undefined ? undefined : `${path}.map`;
      maps.set(
        url,
        mapFile !== undefined && existsSync(mapFile)
          ? { map: new SourceMap(JSON.parse(readFileSync(mapFile, "utf8"))), dir: dirname(mapFile) }
          : undefined,
      );
    }
    return maps.get(url);
  };
  for (const node of p.nodes) {
    const frame = node.callFrame;
    const found = frame.url === "" ? undefined : mapOf(frame.url);
    if (found === undefined) continue;
    const entry = found.map.findEntry(frame.lineNumber, frame.columnNumber) as {
      originalSource?: string;
      originalLine?: number;
    };
    if (entry.originalSource === undefined) continue;
    const source = entry.originalSource.startsWith("file://")
      ? fileURLToPath(entry.originalSource)
      : resolve(found.dir, entry.originalSource);
    frame.url = `file://${source}`;
    frame.lineNumber = entry.originalLine ?? frame.lineNumber;
  }
}
