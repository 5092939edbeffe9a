import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrapPassword, startDev, stopGuardian, type RunningGuardian } from "@guardian/testkit";
import { createJsonCaller, type JsonAnswer, type JsonCaller } from "./json-caller.js";

/** A `guardian dev` with its rate limits out of the way, and the admin logged in. */
export interface UnlimitedDev {
  readonly dev: RunningGuardian;
  /** Calls as the admin (its bearer token set). */
  readonly api: JsonCaller;
  /** The admin's access token. */
  readonly token: string;
  /** Calls as the admin and fails, saying why, unless the answer is 200. */
  ok(path: string, body: unknown): Promise<JsonAnswer>;
  stop(): Promise<void>;
}

const unlimited = ["user", "api_key", "remote_address"].reduce(
  (yaml, key) =>
    `${yaml}  - key: ${key}\n    rate_limit: { unit: second, requests_per_unit: 1000000 }\n`,
  "domain: guardian\ndescriptors:\n",
);

/**
 * Starts `guardian dev` in a fresh data directory for tests that call from one address in
 * quick succession (so without rate limits), and logs in as the admin.
 */
export async function startUnlimitedDev(name: string): Promise<UnlimitedDev> {
  const dataDir = await mkdtemp(join(tmpdir(), `guardian-${name}-`));
  const limits = join(dataDir, "limits.yaml");
  await writeFile(limits, unlimited);
  const dev = await startDev(dataDir, { GUARDIAN_RATELIMIT_CONFIG: limits });
  const api = createJsonCaller(() => dev.url);
  const login = await api.call("guardian.auth.v1.AuthService/Login", {
    username: "admin",
    password: bootstrapPassword(dev.output()),
  });
  const token = (api.token = login.json.tokens.accessToken as string);
  return {
    dev,
    api,
    token,
    async ok(path, body) {
      const answer = await api.call(path, body);
      if (answer.status !== 200) throw new Error(`${path}: ${JSON.stringify(answer.json)}`);
      return answer;
    },
    async stop() {
      await stopGuardian(dev);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
