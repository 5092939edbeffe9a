import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { Config, ConfigService, KeyValue, WriteResponse } from "@guardian/api";
import { pageSize } from "@guardian/kit";
import { authorizeContentOnly, authorizeProject } from "../authorize.js";
import {
  checkCreateConfigRequest,
  checkDeleteConfigRequest,
  checkGetConfigRequest,
  checkListConfigsRequest,
  checkRollbackConfigRequest,
  checkUpdateConfigRequest,
} from "../check/configs.js";
import { contentFormOf, kvToConfig } from "../convert.js";
import {
  contentPageLimit,
  defaultMaxConfigBytes,
  responseBudgetBytes,
  type ConfigDeps,
} from "../deps.js";
import { encodeContent, storedDocument, validateDocument } from "../document/content.js";
import { configNotFound, refusedAtRevision } from "../error-map.js";
import { configOf } from "../read-cache/config-view.js";
import { markStale } from "../read-cache/stale.js";
import { requireProject } from "../require-project.js";
import { nextPageToken, storePageToken } from "../store/paging.js";
import { createWriteBasis } from "../store/basis.js";
import { findRevision } from "../store/revisions.js";
import { writeConfig, type ConfigWrite } from "../store/write.js";

type ConfigHandlers = Pick<
  ServiceImpl<typeof ConfigService>,
  "createConfig" | "updateConfig" | "deleteConfig" | "rollbackConfig" | "getConfig" | "listConfigs"
>;

/** Internal retries of a read-modify-write that the client asked to be unconditional. */
const maxMergeAttempts = 5;

/**
 * Creates the config handlers. A write validates the request, checks the project, sizes and
 * schema-validates the resulting document, then makes ONE store write; a read goes through
 * the store.
 */
export function createConfigHandlers(deps: ConfigDeps): ConfigHandlers {
  const { store, schemas } = deps;
  const maxBytes = deps.maxConfigBytes ?? defaultMaxConfigBytes;
  const basis = createWriteBasis({ readCache: deps.readCache });

  /**
   * Writes through the store, and lets this process's reads see the write from now on. A
   * refusal (a version conflict, a config that does not exist) names the revision its state
   * holds at, so this process's reads do not show an older state after that answer either:
   * its answers never go back in time.
   */
  async function commit(ctx: HandlerContext, w: ConfigWrite): Promise<WriteResponse> {
    let res: WriteResponse;
    try {
      res = await writeConfig(store, ctx, w);
    } catch (err) {
      const at = refusedAtRevision(err);
      if (at !== undefined) deps.readCache?.wrote(at);
      throw err;
    }
    deps.readCache?.wrote(res.revision);
    return res;
  }

  /**
   * The known state an update may build on: with no expected version only when it sends no
   * idempotency key (the version it adds is part of what the key records), and with one only
   * when the known state is exactly that version.
   */
  async function firstBasis(req: {
    project: string;
    key: string;
    expectedVersion?: bigint;
    idempotencyKey: string;
  }): Promise<KeyValue | undefined> {
    if (req.expectedVersion === undefined && req.idempotencyKey !== "") return undefined;
    const kv = await basis.known(req.project, req.key);
    if (!kv?.meta) return undefined;
    if (req.expectedVersion !== undefined && kv.version !== req.expectedVersion) return undefined;
    return kv;
  }

  return {
    async createConfig(req, ctx) {
      checkCreateConfigRequest(req);
      authorizeProject(ctx, req.project, { key: req.key });
      await requireProject(deps, req.project);
      const doc = encodeContent(req.content!, maxBytes);
      const binding = {
        project: req.project,
        schema: req.schema,
        schemaVersion: req.schemaVersion,
      };
      const validated = await validateDocument(schemas, binding, doc.text);
      const res = await commit(ctx, {
        project: req.project,
        key: req.key,
        op: "put",
        value: doc.bytes,
        expectedVersion: 0n,
        idempotencyKey: req.idempotencyKey,
        message: req.message,
        binding: { ...binding, validatedSchemaVersion: validated },
        labels: req.labels,
        decides: { binding: true, labels: true },
      });
      basis.wrote(res.kv!);
      return { config: kvToConfig(res.kv!, contentFormOf(ctx)), revision: res.revision };
    },

    async updateConfig(req, ctx) {
      const mask = checkUpdateConfigRequest(req);
      authorizeProject(ctx, req.project, { key: req.key });
      authorizeContentOnly(ctx, mask);
      await requireProject(deps, req.project);
      // A write derived from the current content is made conditional on it, so that an
      // unconditional labels or schema change never undoes a concurrent content change.
      const merge =
        !mask.has("content") && req.expectedVersion === undefined && req.idempotencyKey === "";
      // The first attempt builds on the state this process knows, without a store read, when
      // that leaves the request the store sees (and its idempotency record) unchanged.
      let known = await firstBasis(req);
      for (let attempt = 1; ; attempt++) {
        const read = known
          ? undefined
          : await store.get({ project: req.project, key: req.key }, { signal: ctx.signal });
        const current = known ?? read?.kv;
        // Only a store read can tell that the config does not exist; after that answer, this
        // process's reads do not show it either.
        if (!current?.meta) {
          if (read) deps.readCache?.wrote(read.revision);
          throw configNotFound(req.project, req.key);
        }
        const guessed = known !== undefined && req.expectedVersion === undefined;
        known = undefined;
        const doc = mask.has("content")
          ? encodeContent(req.content!, maxBytes)
          : storedDocument(current.value, maxBytes);
        const binding = {
          project: req.project,
          schema: mask.has("schema") ? req.schema : current.meta.schema,
          schemaVersion: mask.has("schema_version")
            ? req.schemaVersion
            : current.meta.schemaVersion,
        };
        const validated = await validateDocument(schemas, binding, doc.text);
        try {
          const res = await commit(ctx, {
            project: req.project,
            key: req.key,
            op: "put",
            value: doc.bytes,
            // Built on a state the store may have moved past: the compare decides.
            expectedVersion: merge || guessed ? current.version : req.expectedVersion,
            // An update never recreates a config deleted since it was read.
            mustExist: true,
            idempotencyKey: req.idempotencyKey,
            message: req.message,
            binding: { ...binding, validatedSchemaVersion: validated },
            labels: mask.has("labels") ? req.labels : current.meta.labels,
            decides: {
              binding: mask.has("schema") || mask.has("schema_version"),
              labels: mask.has("labels"),
            },
          });
          basis.wrote(res.kv!);
          return { config: kvToConfig(res.kv!, contentFormOf(ctx)), revision: res.revision };
        } catch (err) {
          const raced = err instanceof ConnectError && err.code === Code.Aborted;
          // A guess that lost costs one store read, never an error of its own.
          if (raced && guessed) continue;
          if (!(merge && raced && attempt < maxMergeAttempts)) throw err;
        }
      }
    },

    async deleteConfig(req, ctx) {
      checkDeleteConfigRequest(req);
      authorizeProject(ctx, req.project, { key: req.key });
      await requireProject(deps, req.project);
      const res = await commit(ctx, {
        project: req.project,
        key: req.key,
        op: "delete",
        expectedVersion: req.expectedVersion,
        idempotencyKey: req.idempotencyKey,
        message: req.message,
        decides: {},
      });
      basis.forget(req.project, req.key);
      return { revision: res.revision };
    },

    async rollbackConfig(req, ctx) {
      checkRollbackConfigRequest(req);
      authorizeProject(ctx, req.project, { key: req.key });
      await requireProject(deps, req.project);
      const target = await findRevision(deps, ctx, req.project, req.key, req.toRevision);
      if (target.deleted || !target.meta) {
        throw new ConnectError(
          `revision ${req.toRevision} deleted config "${req.key}"; roll back to a revision that wrote it`,
          Code.FailedPrecondition,
        );
      }
      const doc = storedDocument(target.value, maxBytes);
      // The restored binding as it resolves now: a schema that moved on may refuse old content.
      const binding = {
        project: req.project,
        schema: target.meta.schema,
        schemaVersion: target.meta.schemaVersion,
      };
      const validated = await validateDocument(schemas, binding, doc.text);
      const res = await commit(ctx, {
        project: req.project,
        key: req.key,
        op: "put",
        value: doc.bytes,
        expectedVersion: req.expectedVersion,
        idempotencyKey: req.idempotencyKey,
        message: req.message,
        binding: { ...binding, validatedSchemaVersion: validated },
        labels: target.meta.labels,
        rolledBackFrom: req.toRevision,
        decides: { binding: true, labels: true },
      });
      basis.wrote(res.kv!);
      return { config: kvToConfig(res.kv!, contentFormOf(ctx)), revision: res.revision };
    },

    async getConfig(req, ctx) {
      checkGetConfigRequest(req);
      authorizeProject(ctx, req.project, { key: req.key });
      const { project, key } = req;
      if (deps.readCache && req.revision === 0n) {
        // The current state comes from the read cache: no SQL, no store call while it is warm.
        const res = await deps.readCache.read(project, key, {
          minRevision: req.minRevision,
          signal: ctx.signal,
        });
        if (res.config) {
          const staleSeconds = markStale(ctx, res.staleSeconds);
          const config = configOf(res.config, contentFormOf(ctx));
          return { config, revision: res.revision, staleSeconds };
        }
        // Only a miss pays for telling an unknown project from an unknown config.
        await requireProject(deps, project);
        throw configNotFound(project, key);
      }
      await requireProject(deps, req.project);
      // Past revisions the store no longer retains come from its archive, inside the store.
      const res = await store.get(
        { project, key, revision: req.revision, minRevision: req.minRevision },
        { signal: ctx.signal },
      );
      if (!res.kv) throw configNotFound(project, key, req.revision || undefined);
      return { config: kvToConfig(res.kv, contentFormOf(ctx)), revision: res.revision };
    },

    async listConfigs(req, ctx) {
      checkListConfigsRequest(req);
      authorizeProject(ctx, req.project, { prefix: req.prefix });
      await requireProject(deps, req.project);
      const size = pageSize(req.pageSize);
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
      const form = contentFormOf(ctx);
      let token = storePageToken(ctx, req) ?? "";
      let revision = 0n;
      let bytes = 0;
      do {
        const res = await store.range({ ...base, pageToken: token }, { signal: ctx.signal });
        revision = res.revision;
        for (const kv of res.kvs) {
          configs.push(kvToConfig(kv, form));
          bytes += kv.value.length;
        }
        token = res.nextPageToken;
      } while (token !== "" && configs.length + chunk <= size && bytes < responseBudgetBytes);
      return {
        configs,
        revision,
        nextPageToken: nextPageToken(ctx, req, token),
      };
    },
  };
}
