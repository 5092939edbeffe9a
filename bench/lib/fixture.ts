import { callRpc } from "./rpc.js";

/** The project every figure uses. */
export const benchProject = "bench";
/** The key `read` figures read. */
export const readKey = "read/value";
/** The key `propagation_*` figures write and watch. */
export const watchKey = "watch/value";

/** The key of write connection `i` (one config per connection). */
export const writeKey = (i: number): string => `write/c${String(i).padStart(3, "0")}`;

/** The JSON Schema the bench's configs are bound to: typed fields, so validation does work. */
export const benchSchema = {
  type: "object",
  required: ["service", "enabled", "limits"],
  additionalProperties: false,
  properties: {
    service: { type: "string", minLength: 1, maxLength: 100 },
    enabled: { type: "boolean" },
    limits: {
      type: "object",
      properties: { rps: { type: "integer", minimum: 0 }, burst: { type: "integer" } },
    },
    regions: { type: "array", items: { type: "string" } },
    note: { type: "string" },
  },
};

/** A config document whose JSON text is exactly `bytes` long (512 for every figure). */
export function configValue(bytes = 512, seed = 0): Record<string, unknown> {
  const value = {
    service: "checkout",
    enabled: seed % 2 === 0,
    limits: { rps: 1000 + seed, burst: 200 },
    regions: ["eu-west-1", "us-east-1", "ap-south-1"],
    note: "",
  };
  const pad = bytes - JSON.stringify(value).length;
  if (pad < 0) throw new Error(`a config value cannot be as small as ${bytes} bytes`);
  return { ...value, note: "x".repeat(pad) };
}

/** What the fixture created: credentials and keys the figures use. */
export interface Fixture {
  /** `Bearer <admin access token>`. */
  readonly authorization: string;
  /** Secret of a read-only API key of the project (`x-api-key`). */
  readonly apiKey: string;
  /** Number of write keys created (`writeKey(0..n-1)`). */
  readonly writeKeys: number;
}

/**
 * Logs in as the admin and creates, through the RPCs, the project, its schema, the configs
 * (read key, one write key per connection, the watched key) and a read API key.
 */
export async function createFixture(
  url: string,
  admin: { username: string; password: string },
  writeKeys: number,
): Promise<Fixture> {
  const login = await callRpc<{ tokens: { accessToken: string } }>(
    url,
    "AuthService",
    "Login",
    admin,
  );
  const auth = { authorization: `Bearer ${login.tokens.accessToken}` };
  const project = benchProject;
  await callRpc(url, "ConfigService", "CreateProject", { project }, auth);
  await callRpc(
    url,
    "SchemaService",
    "CreateSchema",
    { project, name: "service", content: benchSchema },
    auth,
  );
  const keys = [readKey, watchKey, ...Array.from({ length: writeKeys }, (_, i) => writeKey(i))];
  for (const key of keys) {
    await callRpc(
      url,
      "ConfigService",
      "CreateConfig",
      { project, key, schema: "service", content: configValue() },
      auth,
    );
  }
  const key = await callRpc<{ secret: string }>(
    url,
    "AuthService",
    "CreateApiKey",
    { project, name: "bench-read", scope: "API_KEY_SCOPE_READ" },
    auth,
  );
  return { authorization: auth.authorization, apiKey: key.secret, writeKeys };
}
