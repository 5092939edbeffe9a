import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { startTestIssuer, type MintOptions, type TestIssuer } from "@guardian/authz";

/** One request the device issuer received, in order. */
export interface IssuerRequest {
  path: string;
  form: Record<string, string>;
  at: number;
}

/**
 * A stand-in for Keycloak's device authorization grant: the discovery document, the device
 * authorization endpoint and the token endpoint of one realm, on 127.0.0.1. Its tokens come
 * from a {@link TestIssuer} (Keycloak's claim shape, keys served as a JWKS at `jwksUrl`).
 */
export interface DeviceIssuer {
  /** The realm URL and the `iss` of its tokens. */
  readonly issuer: string;
  /** Where the signing keys are served. */
  readonly jwksUrl: string;
  /** Every request to the device and token endpoints. */
  readonly requests: IssuerRequest[];
  /** Errors to answer the next device-code polls with, in order, before success. */
  readonly pending: string[];
  close(): Promise<void>;
}

/** How the device issuer answers the polls of the token endpoint before it grants tokens. */
export interface DeviceIssuerOptions {
  /** Errors to answer the device-code polls with, in order, before success. */
  pending: string[];
  /** The user the tokens are for. */
  user: Omit<MintOptions, "issuer" | "expiresInSec">;
  /** `expires_in` of the access tokens, in seconds. */
  expiresInSec: number;
  /** The `interval` the device authorization asks for, in seconds. */
  intervalSec: number;
}

/** Starts a device issuer; close it after the tests. */
export async function startDeviceIssuer(opts: DeviceIssuerOptions): Promise<DeviceIssuer> {
  const keys: TestIssuer = await startTestIssuer();
  const requests: IssuerRequest[] = [];
  const pending = [...opts.pending];
  let refreshes = 0;
  let issuer = "";
  const json = (res: http.ServerResponse, status: number, body: unknown): void =>
    void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  const tokens = async (n: number) => ({
    access_token: await keys.mint({ ...opts.user, issuer, expiresInSec: opts.expiresInSec }),
    refresh_token: `refresh-${n}`,
    token_type: "Bearer",
    expires_in: opts.expiresInSec,
  });
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (b: Buffer) => (body += b.toString()));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", issuer).pathname.replace(/^\/realms\/guardian/, "");
      const form = Object.fromEntries(new URLSearchParams(body));
      if (path === "/.well-known/openid-configuration") {
        return json(res, 200, {
          issuer,
          device_authorization_endpoint: `${issuer}/protocol/openid-connect/auth/device`,
          token_endpoint: `${issuer}/protocol/openid-connect/token`,
          jwks_uri: keys.jwksUrl,
        });
      }
      requests.push({ path, form, at: Date.now() });
      if (path === "/protocol/openid-connect/auth/device") {
        return json(res, 200, {
          device_code: "device-code-1",
          user_code: "WDJB-MJHT",
          verification_uri: `${issuer}/device`,
          verification_uri_complete: `${issuer}/device?user_code=WDJB-MJHT`,
          expires_in: 600,
          interval: opts.intervalSec,
        });
      }
      if (path === "/protocol/openid-connect/token") {
        const grant = form.grant_type;
        if (grant === "urn:ietf:params:oauth:grant-type:device_code") {
          const error = pending.shift();
          if (error) return json(res, 400, { error });
          return void tokens(0).then((t) => json(res, 200, t));
        }
        if (grant === "refresh_token" && form.refresh_token === `refresh-${refreshes}`) {
          refreshes += 1;
          return void tokens(refreshes).then((t) => json(res, 200, t));
        }
        return json(res, 400, { error: "invalid_grant" });
      }
      res.writeHead(404).end();
      return undefined;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/guardian`;
  return {
    issuer,
    jwksUrl: keys.jwksUrl,
    requests,
    pending,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await keys.close();
    },
  };
}
