import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient, type Transport } from "@connectrpc/connect";
import {
  AuthService,
  ConfigService,
  SchemaService,
  type WatchInstancesResponse,
  type WatchResponse,
} from "@guardian/api";

/** The revision of a config change (bookmarks count as -1). */
export const changeRevision = (m: WatchResponse): number =>
  m.kind.case === "change" ? Number(m.kind.value.revision) : -1;

/** The number in the instance id `i-<n>` of an instance event (the snapshot counts as -1). */
export const instanceNumber = (m: WatchInstancesResponse): number =>
  m.kind.case === "event" ? Number(m.kind.value.instance?.instanceId.slice(2)) : -1;

/** Call options that carry one user's access token. */
export interface AsUser {
  headers: Record<string, string>;
}

/** A project with one config, `flags`, that the tests of open streams change and watch. */
export interface StreamScenario {
  /** The admin's credentials. */
  asAdmin: AsUser;
  /** Signs a user in and returns call options carrying the access token. */
  login(username: string, password: string): Promise<AsUser>;
  /** Writes `{ n }` to `flags` as the admin and returns the revision. */
  write(n: number): Promise<number>;
}

/**
 * Signs the admin in through `transport`, creates `project` with the schema `any` and the
 * config `flags` (`{ n: 0 }`), and returns the scenario's helpers.
 */
export async function seedStreamScenario(
  transport: Transport,
  project: string,
  admin: { username: string; password: string },
): Promise<StreamScenario> {
  const auth = createClient(AuthService, transport);
  const config = createClient(ConfigService, transport);
  const login = async (username: string, password: string): Promise<AsUser> => {
    const res = await auth.login({ username, password });
    return { headers: { authorization: `Bearer ${res.tokens!.accessToken}` } };
  };
  const asAdmin = await login(admin.username, admin.password);
  await config.createProject({ project }, asAdmin);
  await createClient(SchemaService, transport).createSchema(
    { project, name: "any", content: {} },
    asAdmin,
  );
  const created = await config.createConfig(
    { project, key: "flags", schema: "any", content: fromJson(ValueSchema, { n: 0 }) },
    asAdmin,
  );
  let version = created.config!.version;
  return {
    asAdmin,
    login,
    async write(n) {
      const res = await config.updateConfig(
        { project, key: "flags", content: fromJson(ValueSchema, { n }), expectedVersion: version },
        asAdmin,
      );
      version = res.config!.version;
      return Number(res.revision);
    },
  };
}
