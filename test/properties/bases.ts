import type { DescMethod, DescService, MessageInitShape } from "@bufbuild/protobuf";
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  ApiKeyScope,
  ApplyOutcome,
  AuthService,
  ClusterService,
  ConfigService,
  JobService,
  Role,
  SchemaService,
  StoreService,
  WebhookEventType,
  WebhookService,
  WriteOp,
} from "@guardian/api";
import { names } from "./fixture.js";

type Bases<S extends DescService> = {
  [K in keyof S["method"]]: () => MessageInitShape<S["method"][K]["input"]>;
};

// Well-formed requests that name the fixture project and objects that do not exist, so that
// one bad field is the only thing wrong with a request built on them.
const project = names.project;
const nobody = "props-nobody";
const missingKey = "props/missing";
const missingSchema = "props-missing";
const document = () => fromJson(ValueSchema, { enabled: true });

const auth: Bases<typeof AuthService> = {
  login: () => ({ username: nobody, password: "props-password-1" }),
  refresh: () => ({ refreshToken: "props-unknown-refresh-token" }),
  logout: () => ({ refreshToken: "props-unknown-refresh-token" }),
  whoAmI: () => ({}),
  getJwks: () => ({}),
  getOidcConfiguration: () => ({}),
  changePassword: () => ({ currentPassword: "not-the-password", newPassword: "props-new-pw-1" }),
  createUser: () => ({ username: "props-created", password: "props-created-password-1" }),
  getUser: () => ({ username: nobody }),
  listUsers: () => ({ pageSize: 1 }),
  updateUser: () => ({
    username: nobody,
    displayName: "Nobody",
    email: "nobody@example.com",
    updateMask: { paths: ["display_name", "email"] },
  }),
  disableUser: () => ({ username: nobody, reason: "props" }),
  enableUser: () => ({ username: nobody }),
  setPassword: () => ({ username: nobody, newPassword: "props-new-password-1" }),
  grantRole: () => ({ project, username: nobody, role: Role.VIEWER }),
  revokeRole: () => ({ project, username: nobody }),
  listRoleBindings: () => ({ project }),
  createApiKey: () => ({ project, name: "props-created", scope: ApiKeyScope.READ }),
  getApiKey: () => ({ project, id: "ak_0000000000ff" }),
  listApiKeys: () => ({ project }),
  revokeApiKey: () => ({ project, id: "ak_0000000000ff" }),
  rotateApiKey: () => ({ project, id: "ak_0000000000ff" }),
  listAuditEvents: () => ({ pageSize: 1 }),
  listProjectAuditEvents: () => ({ project, pageSize: 1 }),
};

const config: Bases<typeof ConfigService> = {
  createProject: () => ({ project: "props-created", description: "created" }),
  getProject: () => ({ project }),
  listProjects: () => ({}),
  updateProject: () => ({
    project,
    description: "changed",
    updateMask: { paths: ["description"] },
    expectedVersion: 1_000_000n,
  }),
  deleteProject: () => ({ project: "props-missing-project" }),
  createConfig: () => ({
    project,
    key: "props/created",
    content: document(),
    schema: missingSchema,
  }),
  getConfig: () => ({ project, key: missingKey }),
  listConfigs: () => ({ project, prefix: "props/" }),
  updateConfig: () => ({
    project,
    key: missingKey,
    content: document(),
    schema: names.schema,
    labels: { team: "props" },
    updateMask: { paths: ["content", "schema", "labels"] },
  }),
  deleteConfig: () => ({ project, key: missingKey }),
  rollbackConfig: () => ({ project, key: missingKey, toRevision: 1n }),
  readConfig: () => ({ project, key: missingKey }),
  listRevisions: () => ({ project, key: missingKey }),
  getRevision: () => ({ project, key: missingKey, revision: 1n }),
  diffRevisions: () => ({ project, key: missingKey, fromRevision: 1n, toRevision: 2n }),
  watch: () => ({ project, target: { case: "key", value: missingKey } }),
  reportConfigStatus: () => ({
    project,
    instanceId: "props-instance",
    statuses: [{ key: missingKey, version: 1n, outcome: ApplyOutcome.APPLIED }],
  }),
  listConfigInstances: () => ({ project }),
};

const schema: Bases<typeof SchemaService> = {
  createSchema: () => ({ project, name: missingSchema, content: { type: "object" } }),
  addSchemaVersion: () => ({ project, name: missingSchema, content: { type: "object" } }),
  updateSchema: () => ({
    project,
    name: missingSchema,
    description: "changed",
    updateMask: { paths: ["description"] },
  }),
  getSchema: () => ({ project, name: missingSchema }),
  listSchemas: () => ({ project }),
  listSchemaVersions: () => ({ project, name: missingSchema }),
  deleteSchema: () => ({ project, name: missingSchema }),
  validateDocument: () => ({ project, name: missingSchema, document: document() }),
  dryRunSchemaVersion: () => ({ project, name: missingSchema, content: { type: "object" } }),
};

const cluster: Bases<typeof ClusterService> = {
  listMembers: () => ({}),
  addMember: () => ({ peerUrls: ["http://127.0.0.1:2380"], name: "props-member" }),
  removeMember: () => ({ id: "abc123" }),
  promoteMember: () => ({ id: "abc123" }),
  moveLeader: () => ({ targetId: "abc123" }),
  campaign: () => ({ election: "props-election", value: "candidate" }),
  proclaim: () => ({ election: "props-election", leaderKey: nobody, value: "proclaimed" }),
  resign: () => ({ election: "props-election", leaderKey: nobody }),
  getLeader: () => ({ election: "props-election" }),
  observe: () => ({ election: "props-election" }),
  acquireLock: () => ({ name: "props-other-lock", owner: "props" }),
  keepAliveLock: () => ({ name: "props-missing-lock", leaseId: 1n }),
  releaseLock: () => ({ name: "props-missing-lock", leaseId: 1n }),
  getLock: () => ({ name: names.lock }),
  registerInstance: () => ({
    service: "props-service",
    instanceId: "props-1",
    address: "127.0.0.1",
    port: 8080,
  }),
  heartbeat: () => ({ service: "props-service", instanceId: "props-missing", leaseId: 1n }),
  deregisterInstance: () => ({ service: "props-service", instanceId: "props-missing" }),
  listInstances: () => ({ service: "props-service" }),
  listServices: () => ({}),
  watchInstances: () => ({ service: "props-service" }),
};

const store: Bases<typeof StoreService> = {
  write: () => ({ project, key: missingKey, op: WriteOp.DELETE }),
  get: () => ({ project, key: missingKey }),
  range: () => ({ project, prefix: "props/", keysOnly: true, limit: 1 }),
  listKeyRevisions: () => ({ project, key: missingKey }),
  getKeyRevision: () => ({ project, key: missingKey, revision: 1n }),
  watchKeys: () => ({ project, key: missingKey }),
  listChanges: () => ({ limit: 1 }),
  getCompactionInfo: () => ({}),
  markArchived: () => ({ revision: 1n }),
};

// Webhook targets are loopback addresses, refused after every other check: nothing is created.
const missingWebhook = "00000000-0000-4000-8000-0000000000ff";
const webhooks: Bases<typeof WebhookService> = {
  createWebhook: () => ({
    project,
    url: "http://127.0.0.1:9/props",
    keyPrefix: "props",
    eventTypes: [WebhookEventType.CREATE],
  }),
  getWebhook: () => ({ project, id: missingWebhook }),
  listWebhooks: () => ({ project, pageSize: 1 }),
  updateWebhook: () => ({
    project,
    id: missingWebhook,
    updateMask: { paths: ["url", "key_prefix", "event_types", "enabled"] },
    url: "http://127.0.0.1:9/props",
    keyPrefix: "props",
    eventTypes: [WebhookEventType.UPDATE],
    enabled: true,
  }),
  deleteWebhook: () => ({ project, id: missingWebhook }),
  rotateWebhookSecret: () => ({ project, id: missingWebhook }),
  testWebhook: () => ({ project, id: missingWebhook }),
  listWebhookDeliveries: () => ({ project, webhookId: missingWebhook, pageSize: 1 }),
};

const jobs: Bases<typeof JobService> = {
  listDeadJobs: () => ({ queue: "props", pageSize: 1 }),
  getJob: () => ({ id: 1_000_000_000n }),
  retryJob: () => ({ id: 1_000_000_000n }),
  discardJob: () => ({ id: 1_000_000_000n }),
  getQueueStats: () => ({}),
};

type AnyBase = () => MessageInitShape<DescMethod["input"]>;

const bases: Record<string, Record<string, AnyBase>> = {
  [AuthService.typeName]: auth,
  [ConfigService.typeName]: config,
  [WebhookService.typeName]: webhooks,
  [JobService.typeName]: jobs,
  [SchemaService.typeName]: schema,
  [ClusterService.typeName]: cluster,
  [StoreService.typeName]: store,
};

/**
 * Returns the well-formed base request of an RPC, or undefined when there is none (a new RPC
 * or service): the property suite fails then. The compiler insists on a base for every
 * method of every service, with the right request shape.
 */
export function baseRequest(method: DescMethod): AnyBase | undefined {
  const forService = bases[method.parent.typeName];
  return forService && Object.hasOwn(forService, method.localName)
    ? forService[method.localName]
    : undefined;
}
