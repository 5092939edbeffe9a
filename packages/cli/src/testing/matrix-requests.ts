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
  WebhookService,
  WriteOp,
} from "@guardian/api";

/** The objects the matrix requests address; everything else they name does not exist. */
export interface RequestTargets {
  /** Project P: every principal has its role here and the API keys belong to it. */
  project: string;
  /** A second project with the same bindings, addressed only by DeleteProject. */
  doomedProject: string;
  /** A local user whose password Login cells use. */
  loginUser: string;
  loginPassword: string;
  /** A refresh token of the login user that no other cell spends. */
  refreshToken: string;
}

type RequestBuilders<S extends DescService> = {
  [K in keyof S["method"]]: (t: RequestTargets) => MessageInitShape<S["method"][K]["input"]>;
};

// Names that exist nowhere: the handler answers NotFound (or similar) after authorization,
// so that mutations allowed by the matrix change nothing that later cells rely on.
const nobody = "matrix-nobody";
const missingKey = "matrix/missing";
const missingSchema = "matrix-missing";
const missingApiKey = "ak_0000000000ff";
const missingMember = "abc123";
const missingWebhook = "00000000-0000-4000-8000-0000000000ff";
const farVersion = 1_000_000n;
const document = fromJson(ValueSchema, { enabled: true });
const jsonSchema = { type: "object" };

const auth: RequestBuilders<typeof AuthService> = {
  login: (t) => ({ username: t.loginUser, password: t.loginPassword }),
  refresh: (t) => ({ refreshToken: t.refreshToken }),
  // An unknown refresh token revokes nothing and succeeds.
  logout: () => ({ refreshToken: "matrix-unknown-refresh-token" }),
  whoAmI: () => ({}),
  getJwks: () => ({}),
  getOidcConfiguration: () => ({}),
  changePassword: () => ({
    currentPassword: "not-the-password",
    newPassword: "matrix-new-password-1",
  }),
  createUser: () => ({ username: "matrix-created", password: "matrix-created-password-1" }),
  getUser: () => ({ username: nobody }),
  listUsers: () => ({ pageSize: 1 }),
  updateUser: () => ({
    username: nobody,
    displayName: "Nobody",
    updateMask: { paths: ["display_name"] },
  }),
  disableUser: () => ({ username: nobody }),
  enableUser: () => ({ username: nobody }),
  setPassword: () => ({ username: nobody, newPassword: "matrix-new-password-1" }),
  grantRole: (t) => ({ project: t.project, username: nobody, role: Role.VIEWER }),
  revokeRole: (t) => ({ project: t.project, username: nobody }),
  listRoleBindings: (t) => ({ project: t.project }),
  createApiKey: (t) => ({ project: t.project, name: "matrix-created", scope: ApiKeyScope.READ }),
  getApiKey: (t) => ({ project: t.project, id: missingApiKey }),
  listApiKeys: (t) => ({ project: t.project }),
  revokeApiKey: (t) => ({ project: t.project, id: missingApiKey }),
  rotateApiKey: (t) => ({ project: t.project, id: missingApiKey }),
  listAuditEvents: () => ({ pageSize: 1 }),
  listProjectAuditEvents: (t) => ({ project: t.project, pageSize: 1 }),
};

const config: RequestBuilders<typeof ConfigService> = {
  createProject: () => ({ project: "matrix-created" }),
  getProject: (t) => ({ project: t.project }),
  listProjects: () => ({}),
  // A version that P never reaches: Aborted, nothing changes.
  updateProject: (t) => ({
    project: t.project,
    description: "changed by the role matrix",
    updateMask: { paths: ["description"] },
    expectedVersion: farVersion,
  }),
  // The doomed project holds a config and is at another version: it survives.
  deleteProject: (t) => ({ project: t.doomedProject, force: false, expectedVersion: farVersion }),
  createConfig: (t) => ({
    project: t.project,
    key: "matrix/created",
    content: document,
    schema: missingSchema,
  }),
  getConfig: (t) => ({ project: t.project, key: missingKey }),
  listConfigs: (t) => ({ project: t.project }),
  updateConfig: (t) => ({ project: t.project, key: missingKey, content: document }),
  deleteConfig: (t) => ({ project: t.project, key: missingKey }),
  rollbackConfig: (t) => ({ project: t.project, key: missingKey, toRevision: 1n }),
  readConfig: (t) => ({ project: t.project, key: missingKey }),
  listRevisions: (t) => ({ project: t.project, key: missingKey }),
  getRevision: (t) => ({ project: t.project, key: missingKey, revision: 1n }),
  diffRevisions: (t) => ({ project: t.project, key: missingKey, fromRevision: 1n, toRevision: 2n }),
  watch: (t) => ({
    project: t.project,
    target: { case: "key", value: missingKey },
    sendInitialSnapshot: true,
  }),
  // The key does not exist: NotFound, nothing is recorded.
  reportConfigStatus: (t) => ({
    project: t.project,
    instanceId: "matrix-instance",
    statuses: [{ key: missingKey, version: 1n, outcome: ApplyOutcome.APPLIED }],
  }),
  listConfigInstances: (t) => ({ project: t.project }),
};

const schema: RequestBuilders<typeof SchemaService> = {
  createSchema: (t) => ({ project: t.project, name: "matrix-created", content: jsonSchema }),
  addSchemaVersion: (t) => ({ project: t.project, name: missingSchema, content: jsonSchema }),
  updateSchema: (t) => ({
    project: t.project,
    name: missingSchema,
    description: "changed by the role matrix",
    updateMask: { paths: ["description"] },
  }),
  getSchema: (t) => ({ project: t.project, name: missingSchema }),
  listSchemas: (t) => ({ project: t.project }),
  listSchemaVersions: (t) => ({ project: t.project, name: missingSchema }),
  deleteSchema: (t) => ({ project: t.project, name: missingSchema }),
  validateDocument: (t) => ({ project: t.project, name: missingSchema, document }),
  dryRunSchemaVersion: (t) => ({ project: t.project, name: missingSchema, content: jsonSchema }),
};

// Embedded mode has exactly one cluster member: membership changes fail FailedPrecondition.
const cluster: RequestBuilders<typeof ClusterService> = {
  listMembers: () => ({}),
  addMember: () => ({ peerUrls: ["http://127.0.0.1:2380"], name: "matrix-member" }),
  removeMember: () => ({ id: missingMember }),
  promoteMember: () => ({ id: missingMember }),
  moveLeader: () => ({ targetId: missingMember }),
  campaign: () => ({ election: "matrix-election", value: "candidate" }),
  proclaim: () => ({ election: "matrix-election", leaderKey: nobody, value: "proclaimed" }),
  resign: () => ({ election: "matrix-election", leaderKey: nobody }),
  getLeader: () => ({ election: "matrix-election" }),
  observe: () => ({ election: "matrix-election" }),
  acquireLock: () => ({ name: "matrix-lock", waitTimeout: { seconds: 0n } }),
  keepAliveLock: () => ({ name: "matrix-missing-lock", leaseId: 1n }),
  releaseLock: () => ({ name: "matrix-missing-lock", leaseId: 1n }),
  getLock: () => ({ name: "matrix-lock" }),
  registerInstance: () => ({
    service: "matrix-service",
    instanceId: "matrix-1",
    address: "127.0.0.1",
    port: 8080,
  }),
  heartbeat: () => ({ service: "matrix-service", instanceId: "matrix-missing", leaseId: 1n }),
  deregisterInstance: () => ({ service: "matrix-service", instanceId: "matrix-missing" }),
  listInstances: () => ({ service: "matrix-service" }),
  listServices: () => ({}),
  watchInstances: () => ({ service: "matrix-service" }),
};

const store: RequestBuilders<typeof StoreService> = {
  write: (t) => ({ project: t.project, key: missingKey, op: WriteOp.DELETE }),
  get: (t) => ({ project: t.project, key: missingKey }),
  range: (t) => ({ project: t.project, keysOnly: true, limit: 1 }),
  listKeyRevisions: (t) => ({ project: t.project, key: missingKey }),
  getKeyRevision: (t) => ({ project: t.project, key: missingKey, revision: 1n }),
  watchKeys: (t) => ({ project: t.project, key: missingKey }),
  listChanges: () => ({ limit: 1 }),
  getCompactionInfo: () => ({}),
  markArchived: () => ({ revision: 1n }),
};

// CreateWebhook names a loopback target, refused after authorization: nothing is created.
const webhooks: RequestBuilders<typeof WebhookService> = {
  createWebhook: (t) => ({ project: t.project, url: "http://127.0.0.1:9/matrix" }),
  getWebhook: (t) => ({ project: t.project, id: missingWebhook }),
  listWebhooks: (t) => ({ project: t.project }),
  updateWebhook: (t) => ({
    project: t.project,
    id: missingWebhook,
    updateMask: { paths: ["enabled"] },
    enabled: true,
  }),
  deleteWebhook: (t) => ({ project: t.project, id: missingWebhook }),
  rotateWebhookSecret: (t) => ({ project: t.project, id: missingWebhook }),
  testWebhook: (t) => ({ project: t.project, id: missingWebhook }),
  listWebhookDeliveries: (t) => ({ project: t.project, webhookId: missingWebhook }),
};

// Job ids that name no job: the mutations allowed by the matrix find nothing to change.
const jobs: RequestBuilders<typeof JobService> = {
  listDeadJobs: () => ({ pageSize: 1 }),
  getJob: () => ({ id: 1_000_000_000n }),
  retryJob: () => ({ id: 1_000_000_000n }),
  discardJob: () => ({ id: 1_000_000_000n }),
  getQueueStats: () => ({}),
};

type AnyBuilder = (t: RequestTargets) => MessageInitShape<DescMethod["input"]>;

const builders: Record<string, Record<string, AnyBuilder>> = {
  [AuthService.typeName]: auth,
  [ConfigService.typeName]: config,
  [WebhookService.typeName]: webhooks,
  [JobService.typeName]: jobs,
  [SchemaService.typeName]: schema,
  [ClusterService.typeName]: cluster,
  [StoreService.typeName]: store,
};

/**
 * Returns the matrix request builder of an RPC, or undefined when the matrix has none (a
 * new RPC or service): the role matrix test fails then. The compiler already insists on a
 * builder for every method of every service, with the right request shape.
 */
export function matrixRequest(method: DescMethod): AnyBuilder | undefined {
  const forService = builders[method.parent.typeName];
  return forService && Object.hasOwn(forService, method.localName)
    ? forService[method.localName]
    : undefined;
}
