import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "@guardian/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDev, stopGuardian, waitFor, type RunningGuardian } from "@guardian/testkit";

describe("rate limits in embedded mode", () => {
  let dir: string;
  let limits: string;
  let dev: RunningGuardian;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "guardian-ratelimit-"));
    limits = join(dir, "limits.yaml");
    await writeFile(
      limits,
      "domain: guardian\ndescriptors:\n  - key: remote_address\n    rate_limit: { unit: minute, requests_per_unit: 3 }\n",
    );
    dev = await startDev(join(dir, "data"), { GUARDIAN_RATELIMIT_CONFIG: limits });
  }, 60_000);

  afterAll(async () => {
    if (dev) await stopGuardian(dev);
    await rm(dir, { recursive: true, force: true });
  });

  it("applies the limits file in process: the call over the limit gets ResourceExhausted", async () => {
    const auth = createClient(AuthService, createGrpcTransport({ baseUrl: dev.url }));
    const codes: (Code | undefined)[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(
        await auth.getJwks({}).then(
          () => undefined,
          (e: unknown) => ConnectError.from(e).code,
        ),
      );
    }
    expect(codes.slice(0, 3)).not.toContain(Code.ResourceExhausted);
    expect(codes.slice(3)).toEqual([Code.ResourceExhausted, Code.ResourceExhausted]);
  });

  it("reloads the limits file when it changes", async () => {
    const auth = createClient(AuthService, createGrpcTransport({ baseUrl: dev.url }));
    await expect(auth.getJwks({})).rejects.toMatchObject({ code: Code.ResourceExhausted });
    // Replaced, as an editor saves it: a new file renamed over the old one.
    await writeFile(
      `${limits}.new`,
      "domain: guardian\ndescriptors:\n  - key: remote_address\n    rate_limit: { unit: minute, requests_per_unit: 1000 }\n",
    );
    await rename(`${limits}.new`, limits);
    await waitFor(
      () =>
        auth.getJwks({}).then(
          () => true,
          () => undefined,
        ),
      { what: "the raised limit to apply", timeoutMs: 30_000 },
    );
  });
});
