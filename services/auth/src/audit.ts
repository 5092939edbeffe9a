import type {
  AuthService,
  CreateApiKeyRequest,
  CreateUserRequest,
  DisableUserRequest,
  GrantRoleRequest,
  RevokeApiKeyRequest,
  RotateApiKeyRequest,
  UpdateUserRequest,
} from "@guardian/api";
import { apiKeyScopeFromProto, projectRoleFromProto, type AuditTable } from "@guardian/authz";
import { principalOf } from "@guardian/kit";
import { dateOf, durationMs, globalRoleNames } from "./convert.js";

const user = (req: { username: string }) => ({ project: "", target: `users/${req.username}` });

const binding = (req: { project: string; username: string }) => ({
  project: req.project,
  target: `projects/${req.project}/rolebindings/${req.username}`,
});

/** The target of an API key; CreateApiKey names its new id once it has one. */
const apiKey = (req: { project: string; id?: string }) => ({
  project: req.project,
  target: `projects/${req.project}/apikeys${req.id === undefined ? "" : `/${req.id}`}`,
});

/**
 * The audited AuthService mutations. Users are `users/<username>`, role bindings
 * `projects/<project>/rolebindings/<username>`, API keys `projects/<project>/apikeys/<id>`;
 * the detail keeps what was asked for (never a secret or password), and the handlers add
 * what they found (for example `previous_role`, `already_revoked`, `revoked_sessions`).
 * Login, Refresh and ChangePassword are sign-in events, audited by their handlers.
 */
export const authAuditTable: AuditTable<typeof AuthService> = {
  createUser: {
    target: user,
    detail: (req: CreateUserRequest) => ({
      global_roles: globalRoleNames(req.globalRoles),
      service_account: req.serviceAccount,
    }),
  },
  updateUser: {
    target: user,
    detail: (req: UpdateUserRequest) => {
      const fields = [...new Set(req.updateMask?.paths ?? [])];
      return {
        fields,
        ...(fields.includes("global_roles")
          ? { global_roles: globalRoleNames(req.globalRoles) }
          : {}),
      };
    },
  },
  disableUser: { target: user, detail: (req: DisableUserRequest) => ({ reason: req.reason }) },
  enableUser: { target: user },
  setPassword: { target: user },
  grantRole: {
    target: binding,
    detail: (req: GrantRoleRequest) => ({
      username: req.username,
      role: projectRoleFromProto(req.role),
    }),
  },
  revokeRole: {
    target: binding,
    detail: (req: { username: string }) => ({ username: req.username }),
  },
  createApiKey: {
    target: (req: CreateApiKeyRequest) => apiKey({ project: req.project }),
    detail: (req: CreateApiKeyRequest) => {
      const expiresAt = dateOf(req.expireTime);
      return {
        name: req.name,
        scope: apiKeyScopeFromProto(req.scope),
        key_prefix: req.keyPrefix,
        ...(expiresAt ? { expire_time: expiresAt.toISOString() } : {}),
      };
    },
  },
  revokeApiKey: { target: (req: RevokeApiKeyRequest) => apiKey(req) },
  rotateApiKey: {
    target: (req: RotateApiKeyRequest) => apiKey(req),
    detail: (req: RotateApiKeyRequest) => ({ grace_period_ms: durationMs(req.gracePeriod) }),
  },
  logout: {
    target: (_req, ctx) => ({ project: "", target: `users/${principalOf(ctx).name}` }),
  },
};

/** The target of a new API key, for {@link authAuditTable}'s CreateApiKey. */
export function apiKeyTarget(project: string, id: string): string {
  return apiKey({ project, id }).target;
}
