import { appendFile, mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sleep } from "@guardian/kit";
import { makeTempDir, removeTempDir, waitFor } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConfigMapDir } from "../testing/configmap-dir.js";
import { LimitsConfigError, type LimitsConfig } from "./config.js";
import { readLimitsFiles } from "./load.js";
import { watchLimits, type LimitsWatcher } from "./watch.js";

let root: string;
const watchers: LimitsWatcher[] = [];

beforeAll(async () => {
  root = await makeTempDir("ratelimit-watch");
});

afterAll(async () => {
  for (const w of watchers) await w.close();
  await removeTempDir(root);
});

const limitsYaml = (perMinute: number) =>
  `domain: guardian\ndescriptors:\n  - key: user\n    rate_limit: { unit: minute, requests_per_unit: ${perMinute} }\n`;

/** Starts a watcher on `path` that records what it applies and every error. */
async function watching(path: string, opts: { pollMs?: number; events?: boolean } = {}) {
  const applied: LimitsConfig[][] = [];
  const errors: unknown[] = [];
  let unchanged = 0;
  const watcher = watchLimits({
    path,
    initial: await readLimitsFiles(path),
    onChange: (limits) => applied.push(limits),
    onError: (err) => errors.push(err),
    onUnchanged: () => unchanged++,
    debounceMs: 50,
    pollMs: opts.pollMs ?? 3_600_000,
    events: opts.events,
  });
  watchers.push(watcher);
  const perMinute = () =>
    applied.at(-1)?.[0]?.descriptors[0]?.rateLimit?.requestsPerUnit ?? undefined;
  const until = (what: string, ok: () => boolean) =>
    waitFor(async () => (ok() ? true : undefined), { what, timeoutMs: 15_000 });
  return { applied, errors, perMinute, until, unchanged: () => unchanged };
}

describe("watchLimits", () => {
  it("applies a ConfigMap update, a ..data symlink swap, seen through the file's directory", async () => {
    const cm = await createConfigMapDir(join(root, "swap"), { "limits.yaml": limitsYaml(1) });
    const w = await watching(join(cm.dir, "limits.yaml"));
    await cm.update({ "limits.yaml": limitsYaml(2) });
    await w.until("the swapped file to be applied", () => w.perMinute() === 2);
    await cm.update({ "limits.yaml": limitsYaml(3) });
    await w.until("the second swap to be applied", () => w.perMinute() === 3);
    expect(w.errors).toEqual([]);
  });

  it("keeps the previous limits on an invalid file and reports it, until a valid one returns", async () => {
    const cm = await createConfigMapDir(join(root, "bad"), { "limits.yaml": limitsYaml(1) });
    const w = await watching(join(cm.dir, "limits.yaml"));
    await cm.update({ "limits.yaml": `${limitsYaml(5)}    burst: 10\n` });
    await w.until("the invalid file to be reported", () => w.errors.length > 0);
    expect(w.errors[0]).toBeInstanceOf(LimitsConfigError);
    expect((w.errors[0] as LimitsConfigError).problems).toEqual([
      "descriptors[0].burst: unknown field",
    ]);
    expect(w.applied).toEqual([]);
    // Back to the text in force: applied again, so the config reads as valid again.
    await cm.update({ "limits.yaml": limitsYaml(1) });
    await w.until("the restored file to be applied", () => w.perMinute() === 1);
  });

  it("finds changes by polling when the file system sends no events", async () => {
    const cm = await createConfigMapDir(join(root, "poll"), { "limits.yaml": limitsYaml(1) });
    const w = await watching(join(cm.dir, "limits.yaml"), { pollMs: 100, events: false });
    await cm.update({ "limits.yaml": limitsYaml(4) });
    await w.until("the poll to find the swap", () => w.perMinute() === 4);
  });

  it("applies the last of quick successive writes to a plain file, and nothing for the same text", async () => {
    const file = join(root, "plain.yaml");
    await writeFile(file, limitsYaml(1));
    const w = await watching(file);
    for (let n = 2; n <= 6; n++) await writeFile(file, limitsYaml(n));
    await w.until("the last write to be applied", () => w.perMinute() === 6);
    const count = w.applied.length;
    const seen = w.unchanged();
    // Written whole (a new file renamed over the old), so no read sees it half done.
    await writeFile(`${file}.new`, limitsYaml(6));
    await rename(`${file}.new`, file);
    await writeFile(join(root, "unrelated.txt"), "x");
    await w.until("the same text to be read again", () => w.unchanged() > seen);
    expect(w.applied.length).toBe(count);
  });

  it("reads nothing when only other files beside the limits file change", async () => {
    const dir = join(root, "busy");
    await mkdir(dir);
    const file = join(dir, "limits.yaml");
    await writeFile(file, limitsYaml(1));
    const w = await watching(file);
    // The watcher reads the file once as it starts.
    await w.until("the first read", () => w.unchanged() === 1);
    // A log written beside the file, as a process's output often is.
    for (let i = 0; i < 20; i++) {
      await appendFile(join(dir, "server.log"), `line ${i}\n`);
      await sleep(10);
    }
    // Well past the debounce, so a read the log caused would have happened by now.
    await sleep(500);
    // Then the file itself: the next read the watcher makes is of this change.
    await writeFile(file, limitsYaml(7));
    await w.until("the changed file to be applied", () => w.perMinute() === 7);
    expect(w.unchanged()).toBe(1);
    expect(w.applied.length).toBe(1);
  });

  it("watches a directory of domain files", async () => {
    const cm = await createConfigMapDir(join(root, "dir"), {
      "a.yaml": limitsYaml(1),
      "b.yaml": limitsYaml(1).replace("guardian", "other"),
    });
    const w = await watching(cm.dir);
    await cm.update({
      "a.yaml": limitsYaml(1),
      "b.yaml": limitsYaml(7).replace("guardian", "other"),
    });
    await w.until("the second domain to change", () =>
      w.applied.some((l) => l[1]?.descriptors[0]?.rateLimit?.requestsPerUnit === 7),
    );
    expect(w.applied.at(-1)?.map((l) => l.domain)).toEqual(["guardian", "other"]);
  });
});
