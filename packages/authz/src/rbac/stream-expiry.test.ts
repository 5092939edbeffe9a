import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { generateApiKeySecret, hashApiKeySecret } from "../credentials/api-key-secret.js";
import { follow, within, type Followed } from "../testing/follow-stream.js";
import { createKey } from "../testing/harness.js";
import { keycloakViewer, localUser, useStreamFixture } from "../testing/stream-fixture.js";

const f = useStreamFixture();

// The product promises that a stream ends within 1 s of its credentials expiring; the timer
// fires at the expiry itself, so the margin is wide.
const boundMs = 1_000;

let pushed = 0;

/**
 * Pushes a number every 50 ms until the stream ends (unless the stream is to stay idle) and
 * returns when each was pushed, then checks the end: Unauthenticated, within the bound after
 * `expiresAtMs`, nothing pushed after the expiry delivered, and a busy stream live until
 * shortly before it. An idle stream gets no message that could notice the expiry, so only the
 * expiry itself can end it.
 */
async function expectEndsAtExpiry(
  stream: Followed,
  expiresAtMs: number,
  traffic: "busy" | "idle" = "busy",
): Promise<void> {
  const pushedAt = new Map<number, number>();
  const timer = setInterval(() => {
    if (traffic === "idle") return;
    pushedAt.set(++pushed, Date.now());
    f.server.push(pushed);
  }, 50);
  try {
    await within(stream.opened, 5_000);
    const end = await within(stream.ended, expiresAtMs - Date.now() + 5_000);
    expect(end.code, end.message).toBe(Code.Unauthenticated);
    expect(end.at).toBeGreaterThanOrEqual(expiresAtMs - 5);
    expect(end.at - expiresAtMs).toBeLessThan(boundMs);
    const late = stream.got.filter((n) => n > 0 && pushedAt.get(n)! >= expiresAtMs);
    expect(late).toEqual([]);
    // It was live until shortly before: it ended at the expiry, not for another reason.
    if (traffic === "busy")
      expect(stream.got.some((n) => n > 0 && pushedAt.get(n)! >= expiresAtMs - 500)).toBe(true);
  } finally {
    clearInterval(timer);
    stream.close();
  }
}

const watch = (headers: Record<string, string>) =>
  follow(
    (signal) => f.config.watch({ project: "payments" }, { headers, signal }),
    (m) => (m.kind.case === "bookmark" ? Number(m.kind.value.revision) : -1),
  );

describe("open streams end when their credentials expire", () => {
  it("ends a Watch with Unauthenticated when the Keycloak access token expires", async () => {
    const user = await keycloakViewer(f, 2);
    await expectEndsAtExpiry(watch(user.headers), user.exp * 1000);
  });

  it("ends an Observe with Unauthenticated when the built-in access token expires", async () => {
    const user = await localUser(f, ["viewer"], 2);
    const stream = follow(
      (signal) => f.cluster.observe({}, { headers: user.headers, signal }),
      (m) => Number(m.revision),
    );
    await expectEndsAtExpiry(stream, user.exp * 1000);
  });

  it("ends a Watch with Unauthenticated when its API key expires", async () => {
    const expiresAt = new Date(Date.now() + 1_500);
    const key = await createKey(f, { expiresAt });
    await expectEndsAtExpiry(watch(key.headers), expiresAt.getTime());
  });

  it("ends a Watch opened with a rotated-out secret when its grace period ends", async () => {
    const key = await createKey(f);
    const stream = watch(key.headers);
    await within(stream.opened, 5_000);
    const graceEnds = new Date(Date.now() + 1_500);
    await f.db.pool().query(
      `UPDATE api_keys SET previous_secret_hash = secret_hash, previous_secret_expires_at = $2,
                           secret_hash = $3
        WHERE lookup = $1`,
      [key.id, graceEnds, hashApiKeySecret(generateApiKeySecret(key.id))],
    );
    await expectEndsAtExpiry(stream, graceEnds.getTime());
  });

  it("ends an idle Watch with Unauthenticated when its API key expires", async () => {
    const expiresAt = new Date(Date.now() + 1_500);
    const key = await createKey(f, { expiresAt });
    await expectEndsAtExpiry(watch(key.headers), expiresAt.getTime(), "idle");
  });

  it("ends an idle Observe with Unauthenticated when the access token expires", async () => {
    const user = await localUser(f, ["viewer"], 2);
    const stream = follow(
      (signal) => f.cluster.observe({}, { headers: user.headers, signal }),
      (m) => Number(m.revision),
    );
    await expectEndsAtExpiry(stream, user.exp * 1000, "idle");
  });
});
