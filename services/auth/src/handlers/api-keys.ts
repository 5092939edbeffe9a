import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { checkProjectName, type AuthService } from "@guardian/api";
import {
  apiKeyScopeFromProto,
  apiKeySecretHint,
  auditContext,
  generateApiKeyId,
  generateApiKeySecret,
  hashApiKeySecret,
  insertApiKey,
  listApiKeys,
  liveApiKeyNameTaken,
  lockApiKeyName,
  revokeApiKey,
  rotateApiKeySecret,
  selectApiKey,
  withAudit,
} from "@guardian/authz";
import { definePaging, pageSize, principalOf } from "@guardian/kit";
import {
  check,
  checkApiKeyId,
  checkCreateApiKeyRequest,
  checkRotateApiKeyRequest,
} from "../check.js";
import { apiKeyToProto, dateOf } from "../convert.js";
import type { AuthServiceDeps } from "../deps.js";
import { apiKeyNotFound, projectNotFound } from "../error-map.js";
import { projectExists } from "../sql/projects.js";

// ListApiKeys pages continue after key lookup id `a`.
const paging = definePaging({ a: "text" });

type ApiKeyHandlers = Pick<
  ServiceImpl<typeof AuthService>,
  "createApiKey" | "getApiKey" | "listApiKeys" | "revokeApiKey" | "rotateApiKey"
>;

const target = (project: string, id: string) => `projects/${project}/apikeys/${id}`;

/** Creates the API key handlers (project admins, by the access option). */
export function createApiKeyHandlers(deps: AuthServiceDeps): ApiKeyHandlers {
  const { pool } = deps;
  return {
    async createApiKey(req, ctx) {
      checkCreateApiKeyRequest(req, Date.now());
      const id = generateApiKeyId();
      const secret = generateApiKeySecret(id);
      const scope = apiKeyScopeFromProto(req.scope)!;
      const expiresAt = dateOf(req.expireTime);
      const row = await withAudit(
        pool,
        {
          ...auditContext(ctx),
          target: target(req.project, id),
          project: req.project,
          detail: {
            name: req.name,
            scope,
            key_prefix: req.keyPrefix,
            ...(expiresAt ? { expire_time: expiresAt.toISOString() } : {}),
          },
        },
        async (client) => {
          if (!(await projectExists(client, req.project))) throw projectNotFound(req.project);
          await lockApiKeyName(client, req.project, req.name);
          if (await liveApiKeyNameTaken(client, req.project, req.name)) {
            throw new ConnectError(
              `project "${req.project}" already has a live API key named "${req.name}"`,
              Code.AlreadyExists,
            );
          }
          return insertApiKey(client, {
            id,
            project: req.project,
            name: req.name,
            scope,
            keyPrefix: req.keyPrefix,
            secretHash: hashApiKeySecret(secret),
            secretHint: apiKeySecretHint(secret),
            ...(expiresAt ? { expiresAt } : {}),
            createdBy: principalOf(ctx).name,
          });
        },
      );
      return { apiKey: apiKeyToProto(row), secret };
    },

    async getApiKey(req) {
      check(["project", checkProjectName(req.project)], ["id", checkApiKeyId(req.id)]);
      const row = await selectApiKey(pool, req.project, req.id);
      if (!row) throw apiKeyNotFound(req.project, req.id);
      return { apiKey: apiKeyToProto(row) };
    },

    async listApiKeys(req, ctx) {
      check(["project", checkProjectName(req.project)]);
      const limit = pageSize(req.pageSize);
      const page = paging.read(ctx, req);
      if (!(await projectExists(pool, req.project))) throw projectNotFound(req.project);
      const rows = await listApiKeys(pool, req.project, {
        ...(page?.a === undefined ? {} : { after: page.a }),
        limit: limit + 1,
        includeRevoked: req.includeRevoked,
      });
      const keys = rows.slice(0, limit);
      const last = keys[keys.length - 1];
      return {
        apiKeys: keys.map(apiKeyToProto),
        nextPageToken: paging.next(
          ctx,
          req,
          rows.length > limit && last ? { a: last.lookup } : undefined,
        ),
      };
    },

    async revokeApiKey(req, ctx) {
      check(["project", checkProjectName(req.project)], ["id", checkApiKeyId(req.id)]);
      const row = await withAudit(
        pool,
        { ...auditContext(ctx), target: target(req.project, req.id), project: req.project },
        async (client, draft) => {
          const before = await selectApiKey(client, req.project, req.id, { forUpdate: true });
          if (!before) throw apiKeyNotFound(req.project, req.id);
          draft.detail = { already_revoked: before.revoked_at !== null };
          return revokeApiKey(client, req.project, req.id);
        },
      );
      return { apiKey: apiKeyToProto(row) };
    },

    async rotateApiKey(req, ctx) {
      const graceMs = checkRotateApiKeyRequest(req);
      const secret = generateApiKeySecret(req.id);
      const row = await withAudit(
        pool,
        {
          ...auditContext(ctx),
          target: target(req.project, req.id),
          project: req.project,
          detail: { grace_period_ms: graceMs },
        },
        async (client) => {
          const before = await selectApiKey(client, req.project, req.id, { forUpdate: true });
          if (!before) throw apiKeyNotFound(req.project, req.id);
          if (before.dead) {
            throw new ConnectError(
              `API key "${req.id}" is ${before.revoked_at ? "revoked" : "expired"}; create a new one`,
              Code.FailedPrecondition,
            );
          }
          return rotateApiKeySecret(client, req.project, req.id, {
            hash: hashApiKeySecret(secret),
            hint: apiKeySecretHint(secret),
            graceMs,
          });
        },
      );
      return { apiKey: apiKeyToProto(row), secret };
    },
  };
}
