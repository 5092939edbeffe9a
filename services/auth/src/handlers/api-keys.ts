import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { checkProjectName, type AuthService } from "@guardian/api";
import {
  apiKeyScopeFromProto,
  apiKeySecretHint,
  auditDetail,
  auditTarget,
  generateApiKeyId,
  generateApiKeySecret,
  hashApiKeySecret,
  insertApiKey,
  listApiKeys,
  liveApiKeyNameTaken,
  lockApiKeyName,
  projectExists,
  revokeApiKey,
  rotateApiKeySecret,
  selectApiKey,
} from "@guardian/authz";
import { withTransaction } from "@guardian/db";
import { definePaging, failOn, pageSize, principalOf } from "@guardian/kit";
import { apiKeyTarget } from "../audit.js";
import { checkApiKeyId, checkCreateApiKeyRequest, checkRotateApiKeyRequest } from "../check.js";
import { apiKeyToProto, dateOf } from "../convert.js";
import type { AuthServiceDeps } from "../deps.js";
import { apiKeyNotFound, projectNotFound } from "../error-map.js";

// ListApiKeys pages continue after key lookup id `a`.
const paging = definePaging({ a: "text" });

type ApiKeyHandlers = Pick<
  ServiceImpl<typeof AuthService>,
  "createApiKey" | "getApiKey" | "listApiKeys" | "revokeApiKey" | "rotateApiKey"
>;

/** Creates the API key handlers (project admins, by the access option). */
export function createApiKeyHandlers(deps: AuthServiceDeps): ApiKeyHandlers {
  const { pool } = deps;
  return {
    async createApiKey(req, ctx) {
      checkCreateApiKeyRequest(req, Date.now());
      const id = generateApiKeyId();
      auditTarget(ctx, { target: apiKeyTarget(req.project, id) });
      const secret = generateApiKeySecret(id);
      const expiresAt = dateOf(req.expireTime);
      const row = await withTransaction(pool, async (client) => {
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
          scope: apiKeyScopeFromProto(req.scope)!,
          keyPrefix: req.keyPrefix,
          secretHash: hashApiKeySecret(secret),
          secretHint: apiKeySecretHint(secret),
          ...(expiresAt ? { expiresAt } : {}),
          createdBy: principalOf(ctx).name,
        });
      });
      return { apiKey: apiKeyToProto(row), secret };
    },

    async getApiKey(req) {
      failOn([
        ["project", checkProjectName(req.project)],
        ["id", checkApiKeyId(req.id)],
      ]);
      const row = await selectApiKey(pool, req.project, req.id);
      if (!row) throw apiKeyNotFound(req.project, req.id);
      return { apiKey: apiKeyToProto(row) };
    },

    async listApiKeys(req, ctx) {
      failOn([["project", checkProjectName(req.project)]]);
      const limit = pageSize(req.pageSize);
      const after = paging.read(ctx, req)?.a;
      if (!(await projectExists(pool, req.project))) throw projectNotFound(req.project);
      const rows = await listApiKeys(pool, req.project, {
        ...(after === undefined ? {} : { after }),
        limit: limit + 1,
        includeRevoked: req.includeRevoked,
      });
      const { items, nextPageToken } = paging.page(ctx, req, rows, limit, (last) => ({
        a: last.lookup,
      }));
      return { apiKeys: items.map(apiKeyToProto), nextPageToken };
    },

    async revokeApiKey(req, ctx) {
      failOn([
        ["project", checkProjectName(req.project)],
        ["id", checkApiKeyId(req.id)],
      ]);
      const row = await withTransaction(pool, async (client) => {
        const before = await selectApiKey(client, req.project, req.id, { forUpdate: true });
        if (!before) throw apiKeyNotFound(req.project, req.id);
        auditDetail(ctx, { already_revoked: before.revoked_at !== null });
        return revokeApiKey(client, req.project, req.id);
      });
      // This process's cached credentials go now; other processes hear the notification.
      deps.authz.accessChanges.changed();
      return { apiKey: apiKeyToProto(row) };
    },

    async rotateApiKey(req) {
      const graceMs = checkRotateApiKeyRequest(req);
      const secret = generateApiKeySecret(req.id);
      const row = await withTransaction(pool, async (client) => {
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
      });
      deps.authz.accessChanges.changed();
      return { apiKey: apiKeyToProto(row), secret };
    },
  };
}
