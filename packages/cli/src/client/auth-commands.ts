import { Code, ConnectError } from "@connectrpc/connect";
import { Command } from "commander";
import { PrincipalSchema } from "@guardian/api";
import { createGuardianClient } from "@guardian/client";
import { UsageError } from "../usage-error.js";
import { deviceLogin, discoverIssuer } from "./device-login.js";
import { ask, readSecretLine } from "./input.js";
import { printMessage } from "./output.js";
import { profileFilePath, profileName, readProfiles, updateProfile } from "./profiles.js";
import {
  anonymous,
  serverUrl,
  fixedToken,
  openSession,
  tokenFields,
  type GlobalOptions,
} from "./session.js";

interface LoginOptions {
  username?: string;
  passwordStdin?: boolean;
  apiKeyStdin?: boolean;
  device?: boolean;
}

/** `guardian login`, `guardian logout` and `guardian whoami`. */
export function authCommands(): Command[] {
  const login = new Command("login")
    .description("Sign in to a server and keep the session in the profile")
    .option("--username <name>", "a local user of the built-in issuer")
    .option("--password-stdin", "read the password from stdin (for scripts)")
    .option("--api-key-stdin", "keep an API key read from stdin instead of signing in")
    .option("--device", "sign in at the server's external issuer (Keycloak) with a device code")
    .action(async (opts: LoginOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const path = profileFilePath();
      const name = profileName(globals.profile);
      const known = (await readProfiles(path)).profiles[name];
      const url = serverUrl(globals, known);
      if (!url) throw new UsageError("login needs --url URL (or GUARDIAN_URL) the first time");
      if (opts.device) {
        const oidc = await anonymous(url).auth.getOidcConfiguration({});
        const external = oidc.externalIssuers[0];
        if (!external) {
          throw new ConnectError(
            `${url} trusts no external issuer; sign in with --username`,
            Code.FailedPrecondition,
          );
        }
        const endpoints = await discoverIssuer(external.issuer);
        const tokens = await deviceLogin(endpoints, external.clientId, (text) =>
          process.stderr.write(text),
        );
        const who = await createGuardianClient({
          baseUrl: url,
          tokenProvider: fixedToken(tokens.accessToken ?? ""),
        }).auth.whoAmI({});
        await updateProfile(path, name, () => ({ url, ...tokens }));
        process.stderr.write(
          `Signed in to ${url} as ${who.principal?.actor} at ${external.issuer} (profile "${name}")\n`,
        );
        return;
      }
      if (opts.apiKeyStdin) {
        const apiKey = await readSecretLine();
        if (!apiKey) throw new UsageError("no API key on stdin");
        const who = await createGuardianClient({ baseUrl: url, apiKey }).auth.whoAmI({});
        await updateProfile(path, name, () => ({ url, apiKey }));
        process.stderr.write(
          `Signed in to ${url} as ${who.principal?.actor} (profile "${name}")\n`,
        );
        return;
      }
      const username = opts.username ?? (process.stdin.isTTY ? await ask("Username: ") : "");
      if (!username) throw new UsageError("login needs --username");
      let password: string;
      if (opts.passwordStdin) password = await readSecretLine();
      else if (process.stdin.isTTY) password = await ask("Password: ", true);
      else throw new UsageError("without a terminal, pass the password with --password-stdin");
      const res = await anonymous(url).auth.login({ username, password });
      await updateProfile(path, name, () => ({ url, ...tokenFields(res.tokens) }));
      process.stderr.write(`Signed in to ${url} as ${res.user?.username} (profile "${name}")\n`);
    });

  const logout = new Command("logout")
    .description("End the profile's session and forget its credentials")
    .action(async (_opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const path = profileFilePath();
      const name = profileName(globals.profile);
      const profile = (await readProfiles(path)).profiles[name];
      if (!profile) throw new UsageError(`no profile "${name}" to sign out of`);
      if (profile.refreshToken && !profile.tokenEndpoint) {
        // Ending the session on the server is best effort: the credentials go either way.
        await anonymous(profile.url)
          .auth.logout({ refreshToken: profile.refreshToken })
          .catch(() => undefined);
      }
      await updateProfile(path, name, () => ({ url: profile.url }));
      process.stderr.write(`Signed out of ${profile.url} (profile "${name}")\n`);
    });

  const whoami = new Command("whoami")
    .description("Show who the profile's credentials belong to")
    .action(async (_opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const { principal } = await session.auth.whoAmI({});
      if (!principal) throw new Error("the server answered without a principal");
      if (globals.output === "json") return printMessage(PrincipalSchema, principal);
      const lines = [
        `actor:   ${principal.actor}`,
        `server:  ${session.url}`,
        ...(principal.username ? [`user:    ${principal.username}`] : []),
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    });

  return [login, logout, whoami];
}
