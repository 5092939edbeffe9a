import type { ServiceImpl } from "@connectrpc/connect";
import type { Config, ConfigService } from "@guardian/api";
import { definePaging, pageSize } from "@guardian/kit";
import { authorizeProject } from "./authorize.js";
import { checkGetConfigRequest, checkListConfigsRequest } from "./check.js";
import { kvToConfig } from "./convert.js";
import {
  contentPageLimit,
  defaultMaxConfigBytes,
  responseBudgetBytes,
  type ConfigDeps,
} from "./deps.js";
import { configNotFound } from "./error-map.js";
import { requireProject } from "./projects.js";

// A ListConfigs page continues at the store's own (signed) page token `s`.
const paging = definePaging({ s: "text" });

type ReadHandlers = Pick<ServiceImpl<typeof ConfigService>, "getConfig" | "listConfigs">;

/** Creates the GetConfig and ListConfigs handlers, which read through the store. */
export function createConfigReadHandlers(deps: ConfigDeps): ReadHandlers {
  const { store, pool } = deps;
  const maxBytes = deps.maxConfigBytes ?? defaultMaxConfigBytes;

  return {
    async getConfig(req, ctx) {
      checkGetConfigRequest(req);
      authorizeProject(ctx, req.project, { key: req.key });
      await requireProject(pool, req.project);
      const { project, key } = req;
      // Past revisions the store no longer retains come from its archive, inside the store.
      const res = await store.get(
        { project, key, revision: req.revision, minRevision: req.minRevision },
        { signal: ctx.signal },
      );
      if (!res.kv) throw configNotFound(project, key, req.revision || undefined);
      return { config: kvToConfig(res.kv), revision: res.revision };
    },

    async listConfigs(req, ctx) {
      checkListConfigsRequest(req);
      authorizeProject(ctx, req.project, { prefix: req.prefix });
      await requireProject(pool, req.project);
      const size = pageSize(req.pageSize);
      const page = paging.read(ctx, req);
      // With content, ask for few configs at a time so a page stays under the size budget.
      const chunk = req.includeContent ? contentPageLimit(maxBytes, size) : size;
      const base = {
        project: req.project,
        prefix: req.prefix,
        schema: req.schema,
        labelSelector: req.labelSelector,
        limit: chunk,
        minRevision: req.minRevision,
        keysOnly: !req.includeContent,
      };
      const configs: Config[] = [];
      let token = page?.s ?? "";
      let revision = 0n;
      let bytes = 0;
      do {
        const res = await store.range({ ...base, pageToken: token }, { signal: ctx.signal });
        revision = res.revision;
        for (const kv of res.kvs) {
          configs.push(kvToConfig(kv));
          bytes += kv.value.length;
        }
        token = res.nextPageToken;
      } while (token !== "" && configs.length + chunk <= size && bytes < responseBudgetBytes);
      return {
        configs,
        revision,
        nextPageToken: paging.next(ctx, req, token === "" ? undefined : { s: token }),
      };
    },
  };
}
