import { Code, type ConnectError } from "@connectrpc/connect";
import { waitFor } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuardianClient } from "./client.js";
import type { ConfigChange } from "./subscription/types.js";
import { put, seedProject, startDevServer, type DevServer } from "./testing/dev-server.js";
import { builtInTokens } from "./tokens/built-in.js";

// Access tokens live for one minute, the shortest lifetime the server accepts, so this file
// waits for one to run out.
describe("a subscription whose access token expires mid-stream", () => {
  let server: DevServer;

  beforeAll(async () => {
    server = await startDevServer({ GUARDIAN_ACCESS_TOKEN_TTL: "1m" });
    await seedProject(server.admin, "expiry");
  }, 90_000);

  afterAll(async () => {
    await server?.dispose();
  });

  it("re-authenticates with a refreshed token and continues without loss", async () => {
    const tokens = builtInTokens({
      baseUrl: server.url,
      username: "admin",
      password: server.password,
    });
    const client = createGuardianClient({ baseUrl: server.url, tokenProvider: tokens });
    const retries: ConnectError[] = [];
    const sub = client.subscribe("expiry", {}, { onRetry: (e) => void retries.push(e) });
    const changes: ConfigChange[] = [];
    sub.onChange((c) => void changes.push(c));
    await sub.ready();
    const session = tokens.refreshToken;

    // Write steadily until the server has ended the stream for the expired token, and a
    // little after.
    const written: bigint[] = [];
    let n = 0;
    const expired = () => retries.some((e) => e.code === Code.Unauthenticated);
    let after = 0;
    await waitFor(
      async () => {
        written.push(await put(server.admin, "expiry", `k/${n % 3}`, n));
        n++;
        if (expired()) after++;
        return after >= 3 ? true : undefined;
      },
      { what: "the stream to end on the expired token", timeoutMs: 120_000, intervalMs: 1_000 },
    );
    await waitFor(async () => (changes.length >= written.length ? true : undefined), {
      what: "every change",
      timeoutMs: 30_000,
      details: () => `${changes.length} of ${written.length}`,
    });
    expect(changes.map((c) => c.revision)).toEqual(written);
    expect(retries.map((e) => e.code)).toEqual([Code.Unauthenticated]);
    // The token was refreshed with the rotating refresh token, not a new Login.
    expect(tokens.refreshToken).not.toBe(session);
    expect(sub.error).toBeUndefined();
    await sub.close();
  }, 180_000);
});
