import { names, type Clients } from "./fixture.js";

/** Reads every page of a list call. */
async function allPages<T>(
  read: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>,
): Promise<T[]> {
  const items: T[] = [];
  let token = "";
  do {
    const page = await read(token);
    items.push(...page.items);
    token = page.nextPageToken;
  } while (token !== "");
  return items;
}

/**
 * Everything a bad request could have changed, as JSON: projects, users (without their last
 * login), the fixture project's configs with content, schemas, role bindings, API keys,
 * webhooks and reporting instances, the fixture lock, the registered services, and the store's current
 * revision, which any write at all would move. The audit log is left out: refused calls are
 * audited by design.
 */
export async function readState(c: Clients): Promise<Record<string, unknown>> {
  const project = names.project;
  const projects = await allPages(async (pageToken) => {
    const r = await c.config.listProjects({ pageToken });
    return { items: r.projects, nextPageToken: r.nextPageToken };
  });
  const users = await allPages(async (pageToken) => {
    const r = await c.auth.listUsers({ pageToken });
    return { items: r.users, nextPageToken: r.nextPageToken };
  });
  const configs = await c.config.listConfigs({ project, includeContent: true });
  const schemas = await c.schema.listSchemas({ project });
  const bindings = await c.auth.listRoleBindings({ project });
  const apiKeys = await c.auth.listApiKeys({ project });
  const webhooks = await c.webhooks.listWebhooks({ project });
  const instances = await c.config.listConfigInstances({ project });
  const lock = await c.cluster.getLock({ name: names.lock });
  const services = await c.cluster.listServices({});
  const compaction = await c.store.getCompactionInfo({});
  return {
    projects,
    users: users.map((u) => ({ ...u, lastLoginTime: undefined })),
    configs: configs.configs,
    schemas: schemas.schemas,
    bindings: bindings.bindings,
    apiKeys: apiKeys.apiKeys.map((k) => ({ ...k, lastUsedTime: undefined })),
    webhooks: webhooks.webhooks,
    instances: instances.instances,
    lock: lock.lock,
    services: services.services,
    revision: compaction.currentRevision,
  };
}
