import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { follow, within, type Followed } from "../testing/follow-stream.js";
import { createKey } from "../testing/harness.js";
import { keycloakViewer, localUser, useStreamFixture } from "../testing/stream-fixture.js";

const f = useStreamFixture();
const q = (sql: string, params: unknown[] = []) => f.db.pool().query(sql, params);

// The guarantee under test: an open stream ends within 1 s of losing access. The bound is
// the product's promise; the gate ends a busy stream in one query, and an idle one waits for
// the next poll (250 ms), so the margin is wide.
const boundMs = 1_000;

const watch = (headers: Record<string, string>) =>
  follow(
    (signal) => f.config.watch({ project: "payments" }, { headers, signal }),
    (m) => (m.kind.case === "bookmark" ? Number(m.kind.value.revision) : -1),
  );
const observe = (headers: Record<string, string>) =>
  follow(
    (signal) => f.cluster.observe({}, { headers, signal }),
    (m) => Number(m.revision),
  );
const watchInstances = (headers: Record<string, string>) =>
  follow(
    (signal) => f.cluster.watchInstances({}, { headers, signal }),
    (m) => (m.kind.case === "snapshot" ? Number(m.kind.value.revision) : -1),
  );
const campaign = (headers: Record<string, string>) =>
  follow(
    (signal) => f.cluster.campaign({ election: "e", value: "c" }, { headers, signal }),
    (m) => (m.event.case === "renewed" ? Number(m.event.value.expireTime?.seconds ?? -1) : -1),
  );

let pushed = 0;
/** Pushes a new number to every open stream and returns it. */
const push = () => {
  f.server.push(++pushed);
  return pushed;
};

interface Revocation {
  name: string;
  code: Code;
  setup(): Promise<{ stream: Followed; revoke(): Promise<unknown> }>;
}

/**
 * One way to lose access: a credential, the stream it opens, and the SQL that takes the
 * access away, run with `param(credential)` as $1.
 */
function revocation<C extends { headers: Record<string, string> }>(
  name: string,
  code: Code,
  credential: () => Promise<C>,
  open: (headers: Record<string, string>) => Followed,
  sql: string,
  param: (c: C) => string,
): Revocation {
  return {
    name,
    code,
    async setup() {
      const c = await credential();
      return { stream: open(c.headers), revoke: () => q(sql, [param(c)]) };
    },
  };
}

const apiKey = () => createKey(f);
const keyId = (k: { id: string }) => k.id;
const viewer = () => keycloakViewer(f);
const username = (u: { username: string }) => u.username;
const local = (roles: string[]) => () => localUser(f, roles);
const subject = (u: { subject: string }) => u.subject;
const { Unauthenticated, PermissionDenied } = Code;

const revocations: Revocation[] = [
  revocation(
    "its API key is revoked (Watch)",
    Unauthenticated,
    apiKey,
    watch,
    `UPDATE api_keys SET revoked_at = now() WHERE lookup = $1`,
    keyId,
  ),
  revocation(
    "its API key's expiry is moved to now (Watch)",
    Unauthenticated,
    apiKey,
    watch,
    `UPDATE api_keys SET expires_at = now() WHERE lookup = $1`,
    keyId,
  ),
  revocation(
    "its API key is deleted (Watch)",
    Unauthenticated,
    apiKey,
    watch,
    `DELETE FROM api_keys WHERE lookup = $1`,
    keyId,
  ),
  revocation(
    "the Keycloak user's role binding is removed (Watch)",
    PermissionDenied,
    viewer,
    watch,
    `DELETE FROM role_bindings WHERE (issuer, subject) IN
       (SELECT issuer, subject FROM users WHERE username = $1)`,
    username,
  ),
  revocation(
    "the Keycloak user is disabled (Watch)",
    PermissionDenied,
    viewer,
    watch,
    `UPDATE users SET disabled = true WHERE username = $1`,
    username,
  ),
  revocation(
    "the local user is disabled (Observe)",
    PermissionDenied,
    local(["viewer"]),
    observe,
    `UPDATE users SET disabled = true WHERE subject = $1`,
    subject,
  ),
  revocation(
    "the local user is deleted (WatchInstances)",
    Unauthenticated,
    local(["viewer"]),
    watchInstances,
    `DELETE FROM users WHERE subject = $1`,
    subject,
  ),
  revocation(
    "the local user's global role drops below what Campaign needs",
    PermissionDenied,
    local(["editor"]),
    campaign,
    `UPDATE users SET global_roles = ARRAY['viewer'] WHERE subject = $1`,
    subject,
  ),
];

describe("open streams lose access with their credentials", () => {
  describe.each([
    ["while events flow", true],
    ["while idle", false],
  ])("%s", (_mode, busy) => {
    it.each(revocations)(
      "ends the stream when $name, delivering nothing committed after",
      async (c) => {
        const { stream, revoke } = await c.setup();
        try {
          await within(stream.opened, 5_000);
          const live = push();
          await within(stream.delivered(live), 5_000);
          const revokedAt = Date.now();
          await revoke();
          // Produced after the revocation committed: must never reach the client.
          if (busy) push();
          const end = await within(stream.ended, 5_000);
          expect(end.code, end.message).toBe(c.code);
          expect(end.at - revokedAt).toBeLessThan(boundMs);
          expect(stream.got).toEqual([0, live]);
        } finally {
          stream.close();
        }
      },
    );
  });

  it("keeps streams open through access changes that do not concern them", async () => {
    const key = await createKey(f);
    const user = await localUser(f, ["editor"]);
    const keyStream = watch(key.headers);
    const observing = observe(user.headers);
    try {
      await within(Promise.all([keyStream.opened, observing.opened]), 5_000);
      const other = await createKey(f);
      await q(`UPDATE api_keys SET revoked_at = now() WHERE lookup = $1`, [other.id]);
      // Observe needs any global role: a downgrade from editor to viewer keeps it.
      await q(`UPDATE users SET global_roles = ARRAY['viewer'] WHERE subject = $1`, [user.subject]);
      const n = push();
      await within(Promise.all([keyStream.delivered(n), observing.delivered(n)]), 5_000);
      expect(keyStream.got).toEqual([0, n]);
      expect(observing.got).toEqual([0, n]);
    } finally {
      keyStream.close();
      observing.close();
    }
  });

  it("confirms access from the database as a quiet stream opens, not from the cache", async () => {
    const user = await keycloakViewer(f);
    // Another open stream keeps the process polling the access epoch.
    const key = await createKey(f);
    const other = watch(key.headers);
    await within(other.opened, 5_000);
    // Cache the account with its binding, then remove the binding behind the cache's back,
    // and give the poll time to see that change before the quiet stream opens.
    f.server.authz.accounts.invalidate();
    await f.auth.whoAmI({}, user);
    await q(
      `DELETE FROM role_bindings WHERE (issuer, subject) IN
         (SELECT issuer, subject FROM users WHERE username = $1)`,
      [user.username],
    );
    await new Promise((r) => setTimeout(r, 600));
    const openedAt = Date.now();
    const quiet = follow(
      (signal) => f.config.watch({ project: "payments", startRevision: 1n }, { ...user, signal }),
      () => -1,
    );
    try {
      const end = await within(quiet.ended, 5_000);
      expect(end.code, end.message).toBe(Code.PermissionDenied);
      expect(end.at - openedAt).toBeLessThan(boundMs);
      expect(quiet.got).toEqual([]);
    } finally {
      quiet.close();
      other.close();
    }
  });

  it("writes the end of a stream that lost access to the audit log", async () => {
    const key = await createKey(f);
    const w = watch(key.headers);
    try {
      await within(w.opened, 5_000);
      await q(`UPDATE api_keys SET revoked_at = now() WHERE lookup = $1`, [key.id]);
      expect((await within(w.ended, 5_000)).code).toBe(Code.Unauthenticated);
    } finally {
      w.close();
    }
    const audited = async () => {
      for (;;) {
        const res = await q(
          `SELECT action, result, error_code, detail->>'reason' AS reason FROM audit_log
            WHERE actor = $1 AND target = 'projects/payments'`,
          [`apikey:${key.id}`],
        );
        if (res.rows.length > 0) return res.rows;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    expect(await within(audited(), 5_000)).toEqual([
      {
        action: "guardian.config.v1.ConfigService/Watch",
        result: "denied",
        error_code: "unauthenticated",
        reason: "API key has been revoked",
      },
    ]);
  });
});
