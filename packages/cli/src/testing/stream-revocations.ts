import { Code, type Client } from "@connectrpc/connect";
import {
  ApiKeyScope,
  type AuthService,
  type ClusterService,
  type ConfigService,
  GlobalRole,
  Role,
} from "@guardian/api";
import { follow, within } from "@guardian/authz";
import { expect, it } from "vitest";
import { changeRevision, instanceNumber, type StreamScenario } from "./stream-scenario.js";

// The product promises that an open stream ends within 1 s of losing access; a busy stream
// ends at its next message, an idle one at its process's next poll of the access epoch
// (250 ms), so the margin is wide.
const boundMs = 1_000;

/** Where the streams are held and where access is taken away (the same process or two). */
export interface RevocationSetup {
  project: string;
  scenario: StreamScenario;
  /** Where keys, bindings and users are changed. */
  auth: Client<typeof AuthService>;
  /** Where instances are registered. */
  cluster: Client<typeof ClusterService>;
  /** Where the streams are opened. */
  heldConfig: Client<typeof ConfigService>;
  heldCluster: Client<typeof ClusterService>;
}

/**
 * Registers the tests every deployment mode must pass: an open stream ends, within the bound
 * and before any later change, when its API key is revoked, its role binding is removed or
 * its user is disabled. `names` keeps the users and services of each caller apart.
 */
export function defineStreamRevocations(get: () => RevocationSetup, names: string): void {
  it("ends a Watch opened with an API key when the key is revoked, before any later change", async () => {
    const { project, scenario: s, auth, heldConfig } = get();
    const key = await auth.createApiKey(
      { project, name: `${names}-watcher`, scope: ApiKeyScope.READ },
      s.asAdmin,
    );
    const headers = { "x-api-key": key.secret };
    const w = follow(
      (signal) => heldConfig.watch({ project }, { headers, signal }),
      changeRevision,
    );
    try {
      await within(w.opened, 10_000);
      const before = await s.write(1);
      await within(w.delivered(before), 10_000);
      const revokedAt = Date.now();
      await auth.revokeApiKey({ project, id: key.apiKey!.id }, s.asAdmin);
      const after = await s.write(2);
      const end = await within(w.ended, 10_000);
      expect(end.code, end.message).toBe(Code.Unauthenticated);
      expect(end.at - revokedAt).toBeLessThan(boundMs);
      expect(w.got).toContain(before);
      expect(w.got).not.toContain(after);
    } finally {
      w.close();
    }
  });

  it.each([
    ["busy", true],
    ["idle", false],
  ])("ends a viewer's %s Watch when the role binding is revoked", async (mode, busy) => {
    const { project, scenario: s, auth, heldConfig } = get();
    const username = `${names}-${mode}-viewer`;
    await auth.createUser({ username, password: "viewer-password-1" }, s.asAdmin);
    await auth.grantRole({ project, username, role: Role.VIEWER }, s.asAdmin);
    const viewer = await s.login(username, "viewer-password-1");
    const w = follow(
      (signal) => heldConfig.watch({ project }, { ...viewer, signal }),
      changeRevision,
    );
    try {
      await within(w.opened, 10_000);
      const before = busy ? await s.write(3) : undefined;
      if (before !== undefined) await within(w.delivered(before), 10_000);
      const revokedAt = Date.now();
      await auth.revokeRole({ project, username }, s.asAdmin);
      const after = busy ? await s.write(4) : undefined;
      const end = await within(w.ended, 10_000);
      expect(end.code, end.message).toBe(Code.PermissionDenied);
      expect(end.at - revokedAt).toBeLessThan(boundMs);
      if (after !== undefined) expect(w.got).not.toContain(after);
    } finally {
      w.close();
    }
  });

  it("ends a disabled user's cluster streams, before any later instance event", async () => {
    const { scenario: s, auth, cluster, heldCluster } = get();
    const username = `${names}-cluster-watcher`;
    const service = `${names}-api`;
    await auth.createUser(
      { username, password: "cluster-password-1", globalRoles: [GlobalRole.VIEWER] },
      s.asAdmin,
    );
    const watcher = await s.login(username, "cluster-password-1");
    const register = async (n: number) => {
      await cluster.registerInstance(
        { service, instanceId: `i-${n}`, address: "127.0.0.1", port: 8080 },
        s.asAdmin,
      );
      return n;
    };
    const instances = follow(
      (signal) => heldCluster.watchInstances({ service }, { ...watcher, signal }),
      instanceNumber,
    );
    const observing = follow(
      (signal) => heldCluster.observe({ election: `${names}-leader` }, { ...watcher, signal }),
      (m) => Number(m.revision),
    );
    try {
      await within(Promise.all([instances.opened, observing.opened]), 10_000);
      const before = await register(1);
      await within(instances.delivered(before), 10_000);
      const revokedAt = Date.now();
      await auth.disableUser({ username }, s.asAdmin);
      const after = await register(2);
      const ends = await within(Promise.all([instances.ended, observing.ended]), 10_000);
      for (const end of ends) {
        expect(end.code, end.message).toBe(Code.PermissionDenied);
        expect(end.at - revokedAt).toBeLessThan(boundMs);
      }
      expect(instances.got).not.toContain(after);
    } finally {
      instances.close();
      observing.close();
    }
  });
}
