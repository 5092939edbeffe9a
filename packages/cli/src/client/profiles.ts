import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** What the CLI keeps about one server: where it is and how to sign in to it. */
export interface Profile {
  /** The server's base URL, for example http://127.0.0.1:8080. */
  url: string;
  /** The access token of the built-in issuer (or an external one) and when it expires. */
  accessToken?: string;
  accessTokenExpireTime?: string;
  /** The single-use refresh token of the session; replaced on every refresh. */
  refreshToken?: string;
  /** An API key secret (gdn_...), used when no token is kept. */
  apiKey?: string;
  /**
   * For a session at an external issuer (`login --device`): its token endpoint and the
   * client, where the refresh token is exchanged instead of at Guardian.
   */
  tokenEndpoint?: string;
  clientId?: string;
}

/** The CLI's config file: named profiles. */
export interface ProfileFile {
  profiles: Record<string, Profile>;
}

/**
 * The config file's path: `$XDG_CONFIG_HOME/guardian/config.json`, or
 * `~/.config/guardian/config.json` when XDG_CONFIG_HOME is unset.
 */
export function profileFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "guardian", "config.json");
}

/** The profile a command uses: `--profile`, else GUARDIAN_PROFILE, else "default". */
export function profileName(flag: string | undefined, env = process.env): string {
  return flag || env.GUARDIAN_PROFILE || "default";
}

/** Reads the config file; a missing file is an empty one. */
export async function readProfiles(path: string): Promise<ProfileFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { profiles: {} };
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON; fix or delete it`);
  }
  const profiles = (parsed as Partial<ProfileFile>)?.profiles;
  if (typeof profiles !== "object" || profiles === null) {
    throw new Error(`${path} has no "profiles" object; fix or delete it`);
  }
  return { profiles };
}

/**
 * Writes the config file atomically (a temporary file in the same folder, then a rename),
 * readable and writable by the owner only: it holds credentials.
 */
export async function writeProfiles(path: string, file: ProfileFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, path);
}

/** Changes one profile in the config file (undefined: removes it). */
export async function updateProfile(
  path: string,
  name: string,
  change: (current: Profile | undefined) => Profile | undefined,
): Promise<void> {
  const file = await readProfiles(path);
  const next = change(file.profiles[name]);
  if (next === undefined) delete file.profiles[name];
  else file.profiles[name] = next;
  await writeProfiles(path, file);
}
