import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  bootstrapPassword,
  freePort,
  makeTempDir,
  removeTempDir,
  startDev,
  stopGuardian,
  type RunningGuardian,
} from "@guardian/testkit";
import { createGuardianClient, type GuardianClient } from "../client.js";
import { builtInTokens, type BuiltInTokenProvider } from "../tokens/built-in.js";

/** A `guardian dev` process on a fixed port and data directory, so it can be restarted. */
export interface DevServer {
  readonly url: string;
  readonly password: string;
  /** An admin client signed in with the bootstrap password. */
  readonly admin: GuardianClient;
  readonly adminTokens: BuiltInTokenProvider;
  stop(): Promise<void>;
  /** Starts the process again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops the process and removes its data. */
  dispose(): Promise<void>;
}

/** Starts `guardian dev` with `env` on a free port and a new data directory. */
export async function startDevServer(env: Record<string, string> = {}): Promise<DevServer> {
  const dataDir = await makeTempDir("guardian-client");
  const port = await freePort();
  // Tests write far faster than the bundled limits allow one address.
  const limits = join(dataDir, "limits.yaml");
  await writeFile(
    limits,
    "domain: guardian\ndescriptors:\n  - key: remote_address\n    rate_limit: { unit: second, requests_per_unit: 100000 }\n",
  );
  const fullEnv = {
    GUARDIAN_PORT: String(port),
    GUARDIAN_RATELIMIT_CONFIG: limits,
    GUARDIAN_DATA_DIR: join(dataDir, "data"),
    ...env,
  };
  let running: RunningGuardian | undefined = await startDev(fullEnv.GUARDIAN_DATA_DIR, fullEnv);
  const url = running.url;
  const password = bootstrapPassword(running.output());
  const adminTokens = builtInTokens({ baseUrl: url, username: "admin", password });
  const admin = createGuardianClient({ baseUrl: url, tokenProvider: adminTokens });
  const stop = async () => {
    if (running) await stopGuardian(running);
    running = undefined;
  };
  return {
    url,
    password,
    admin,
    adminTokens,
    stop,
    async start() {
      running = await startDev(fullEnv.GUARDIAN_DATA_DIR, fullEnv);
    },
    async dispose() {
      await stop();
      await removeTempDir(dataDir);
    },
  };
}

/** A protobuf Value of a JSON value, for config content. */
export const json = (v: JsonValue) => fromJson(ValueSchema, v);

/** Creates `project` with a schema `any` that accepts every JSON object. */
export async function seedProject(admin: GuardianClient, project: string): Promise<void> {
  await admin.config.createProject({ project });
  await admin.schema.createSchema({ project, name: "any", content: { type: "object" } });
}

/** Creates or updates a config with content `{ n }` and returns the write's revision. */
export async function put(
  admin: GuardianClient,
  project: string,
  key: string,
  n: number,
): Promise<bigint> {
  try {
    return (await admin.config.updateConfig({ project, key, content: json({ n }) })).revision;
  } catch (err) {
    if (ConnectError.from(err).code !== Code.NotFound) throw err;
    const created = await admin.config.createConfig({
      project,
      key,
      schema: "any",
      content: json({ n }),
    });
    return created.revision;
  }
}
