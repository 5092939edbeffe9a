import type { Value } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { ConfigService } from "@guardian/api";
import { authorizeProject } from "../authorize.js";
import { checkReadConfigRequest } from "../check/configs.js";
import { contentOf } from "../convert.js";
import type { ConfigDeps } from "../deps.js";
import { configNotFound } from "../error-map.js";
import { markStale } from "../read-cache/stale.js";
import { requireProject } from "../require-project.js";

/**
 * Creates the ReadConfig handler: the lean, conditional read path (ETag = config version),
 * served from the process-wide read cache when there is one.
 */
export function createReadConfigHandler(
  deps: ConfigDeps,
): Pick<ServiceImpl<typeof ConfigService>, "readConfig"> {
  const { store, readCache } = deps;
  return {
    async readConfig(req, ctx) {
      checkReadConfigRequest(req);
      authorizeProject(ctx, req.project, { key: req.key });
      let found: { version: bigint; content: Value } | undefined;
      let revision: bigint;
      let staleSeconds = 0;
      if (readCache) {
        const res = await readCache.read(req.project, req.key, {
          minRevision: req.minRevision,
          signal: ctx.signal,
        });
        found = res.config;
        revision = res.revision;
        staleSeconds = markStale(ctx, res.staleSeconds);
      } else {
        const res = await store.get(
          { project: req.project, key: req.key, minRevision: req.minRevision },
          { signal: ctx.signal },
        );
        found = res.kv && { version: res.kv.version, content: contentOf(res.kv.value)! };
        revision = res.revision;
      }
      if (!found) {
        // Only a miss pays for telling an unknown project from an unknown config.
        await requireProject(deps, req.project);
        throw configNotFound(req.project, req.key);
      }
      if (req.ifNoneMatch !== 0n && req.ifNoneMatch === found.version) {
        return { etag: found.version, notModified: true, revision, staleSeconds };
      }
      return { content: found.content, etag: found.version, revision, staleSeconds };
    },
  };
}
