import { readFileSync } from "node:fs";
import { mapRoles, roleMappingOf, testAuthSettings } from "@guardian/authz";
import { describe, expect, it } from "vitest";

interface Mapper {
  protocolMapper: string;
  config: Record<string, string>;
}
interface RealmClient {
  clientId: string;
  publicClient: boolean;
  serviceAccountsEnabled?: boolean;
  standardFlowEnabled?: boolean;
  implicitFlowEnabled?: boolean;
  attributes?: Record<string, string>;
  protocolMappers?: Mapper[];
}
interface RealmUser {
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  emailVerified?: boolean;
  credentials?: Array<{ type: string; value: string; temporary: boolean }>;
  realmRoles?: string[];
  serviceAccountClientId?: string;
}
interface Realm {
  realm: string;
  roles: { realm: Array<{ name: string }> };
  clients: RealmClient[];
  users: RealmUser[];
}

const realm = JSON.parse(
  readFileSync(new URL("../../../deploy/keycloak/guardian-realm.json", import.meta.url), "utf8"),
) as Realm;
const settings = testAuthSettings();

function client(id: string): RealmClient {
  const found = realm.clients.find((c) => c.clientId === id);
  if (!found) throw new Error(`no client ${id}`);
  return found;
}

function audiences(c: RealmClient): string[] {
  return (c.protocolMappers ?? [])
    .filter(
      (m) =>
        m.protocolMapper === "oidc-audience-mapper" && m.config["access.token.claim"] === "true",
    )
    .map((m) => m.config["included.custom.audience"] ?? m.config["included.client.audience"] ?? "");
}

describe("deploy/keycloak/guardian-realm.json", () => {
  it("defines the realm roles Guardian maps by default", () => {
    const names = realm.roles.realm.map((r) => r.name);
    for (const role of [settings.roleAdmin, settings.roleEditor, settings.roleViewer]) {
      expect(names).toContain(role);
    }
  });

  it("has a public console client with PKCE S256 whose tokens carry Guardian's audience", () => {
    const console = client(settings.keycloakConsoleClientId);
    expect(console.publicClient).toBe(true);
    expect(console.standardFlowEnabled).toBe(true);
    expect(console.implicitFlowEnabled).toBe(false);
    expect(console.attributes?.["pkce.code.challenge.method"]).toBe("S256");
    expect(audiences(console)).toEqual([settings.keycloakAudience]);
  });

  it("has a confidential service-account client with a Guardian role and the audience", () => {
    const ci = client("guardian-ci");
    expect(ci.publicClient).toBe(false);
    expect(ci.serviceAccountsEnabled).toBe(true);
    expect(audiences(ci)).toEqual([settings.keycloakAudience]);
    const account = realm.users.find((u) => u.serviceAccountClientId === "guardian-ci");
    expect(account?.username).toBe("service-account-guardian-ci");
    expect(mapRoles(roleMappingOf(settings), account?.realmRoles ?? [])).toEqual(["editor"]);
  });

  it("has demo users with profile, verified e-mail and a permanent password", () => {
    const people = realm.users.filter((u) => u.serviceAccountClientId === undefined);
    expect(people.length).toBeGreaterThanOrEqual(3);
    for (const user of people) {
      expect(user.email).toMatch(/@/);
      expect(user.firstName).toBeTruthy();
      expect(user.lastName).toBeTruthy();
      expect(user.emailVerified).toBe(true);
      expect(user.credentials?.[0]).toMatchObject({ type: "password", temporary: false });
    }
    const roles = people.map((u) => mapRoles(roleMappingOf(settings), u.realmRoles ?? []));
    expect(roles).toContainEqual(["admin"]);
    expect(roles).toContainEqual(["editor"]);
    expect(roles).toContainEqual(["viewer"]);
  });
});
