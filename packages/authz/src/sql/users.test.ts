import { useTestDatabase } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import {
  selectUserByUsername,
  upsertLocalAdmin,
  upsertServiceAccount,
  upsertSeenUser,
} from "./users.js";

const db = useTestDatabase({ poolSize: 12 });

async function accessEpoch(): Promise<string> {
  const res = await db.pool().query<{ epoch: string }>("SELECT epoch::text FROM access_epoch");
  return res.rows[0]!.epoch;
}

describe("start-up upserts of users, run by replicas at the same time", () => {
  it("creates one service account when many processes start together", async () => {
    for (let round = 0; round < 5; round++) {
      const name = `svc-race-${round}`;
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, () => upsertServiceAccount(db.pool(), name)),
      );
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      const rows = await db
        .pool()
        .query("SELECT global_roles, service_account FROM users WHERE username = $1", [name]);
      expect(rows.rows).toEqual([{ global_roles: ["internal"], service_account: true }]);
    }
  });

  it("leaves an account that is already right untouched, so a restart announces no change", async () => {
    await upsertServiceAccount(db.pool(), "svc-restart");
    const before = await selectUserByUsername(db.pool(), "svc-restart");
    const epoch = await accessEpoch();
    await upsertServiceAccount(db.pool(), "svc-restart");
    expect((await selectUserByUsername(db.pool(), "svc-restart"))?.updated_at).toEqual(
      before?.updated_at,
    );
    expect(await accessEpoch()).toBe(epoch);
  });

  it("repairs a service account that was disabled or given other roles", async () => {
    await upsertServiceAccount(db.pool(), "svc-repair");
    await db
      .pool()
      .query(
        "UPDATE users SET disabled = true, global_roles = ARRAY['admin'] WHERE username = 'svc-repair'",
      );
    await upsertServiceAccount(db.pool(), "svc-repair");
    const row = await selectUserByUsername(db.pool(), "svc-repair");
    expect(row).toMatchObject({ disabled: false, global_roles: ["internal"] });
  });

  it("refuses a service account name that another issuer's user holds, changing nothing", async () => {
    await upsertSeenUser(db.pool(), {
      issuer: "https://sso.example.com/realms/guardian",
      subject: "kc-1",
      username: "svc-taken",
      globalRoles: ["viewer"],
      service: false,
    });
    await expect(upsertServiceAccount(db.pool(), "svc-taken")).rejects.toThrow(
      /belongs to another user/,
    );
    const row = await selectUserByUsername(db.pool(), "svc-taken");
    expect(row).toMatchObject({ subject: "kc-1", global_roles: ["viewer"] });
  });

  it("creates one local admin when several processes create it together", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => upsertLocalAdmin(db.pool(), "root-race", "scrypt$hash")),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const row = await selectUserByUsername(db.pool(), "root-race");
    expect(row).toMatchObject({ global_roles: ["admin"], password_hash: "scrypt$hash" });
  });
});
