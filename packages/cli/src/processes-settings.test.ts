import { availableParallelism } from "node:os";
import { ConfigError } from "@guardian/kit";
import { runGuardian } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { planServe, readServeSettings } from "./commands/serve-settings.js";

const env = {
  DATABASE_URL: "postgres://guardian@db.example.com/guardian",
  GUARDIAN_PAGE_TOKEN_SECRET: "x".repeat(32),
  GUARDIAN_STORE_URL: "http://store:8080",
};

function processesFor(words: string[], processes: string | undefined) {
  const plan = planServe(words);
  return readServeSettings(
    plan.hosted,
    { ...env, ...(processes === undefined ? {} : { GUARDIAN_PROCESSES: processes }) },
    { worker: plan.worker },
  ).processes;
}

describe("GUARDIAN_PROCESSES", () => {
  const api = ["auth", "config", "schema", "cluster"];

  it("is 1 when unset, a number as given, and the usable CPUs for auto", () => {
    expect(processesFor(api, undefined)).toBe(1);
    expect(processesFor(api, "3")).toBe(3);
    expect(processesFor(api, "auto")).toBe(availableParallelism());
    expect(processesFor([...api, "console"], "2")).toBe(2);
  });

  it.each(["0", "-1", "abc", "1.5", "257"])("refuses %s, naming the setting", (value) => {
    expect(() => processesFor(api, value)).toThrow(ConfigError);
    expect(() => processesFor(api, value)).toThrow(
      /GUARDIAN_PROCESSES: expected an integer between 1 and 256, or auto/,
    );
  });

  it("refuses more than one process for store, worker and the default set, which run one", () => {
    for (const words of [["store"], ["worker"], ["config", "store"], []]) {
      expect(() => processesFor(words, "2"), words.join(" ")).toThrow(
        /GUARDIAN_PROCESSES: is 2 while this process runs (store|worker)/,
      );
      expect(processesFor(words, "1")).toBe(1);
    }
  });

  it("stops guardian dev and guardian serve with exit code 2 and the setting named", async () => {
    const dev = await runGuardian(["dev"], { GUARDIAN_PROCESSES: "2" });
    expect(dev.code, dev.output).toBe(2);
    expect(dev.output).toContain(
      "GUARDIAN_PROCESSES: is 2, but guardian dev runs one process: it owns one embedded database",
    );
    const serve = await runGuardian(["serve", "config"], { ...env, GUARDIAN_PROCESSES: "abc" });
    expect(serve.code, serve.output).toBe(2);
    expect(serve.output).toContain("GUARDIAN_PROCESSES: expected an integer between 1 and 256");
    const console = await runGuardian(["serve", "console"], { GUARDIAN_PROCESSES: "2" });
    expect(console.code, console.output).toBe(2);
    expect(console.output).toContain("GUARDIAN_PROCESSES: is 2, but the web console alone");
  }, 60_000);
});
