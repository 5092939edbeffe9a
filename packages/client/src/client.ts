import type { JsonValue } from "@bufbuild/protobuf";
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { AuthService, ClusterService, ConfigService, SchemaService } from "@guardian/api";
import { credentialsInterceptor } from "./credentials.js";
import { checkClientOptions, type GuardianClientOptions } from "./options.js";
import {
  createStatusReporter,
  type StatusReporter,
  type StatusReporterOptions,
} from "./reporter.js";
import { createSubscription } from "./subscription/subscribe.js";
import type { SubscribeOptions, Subscription, WatchTarget } from "./subscription/types.js";
import { transportFor } from "./transport.js";

/** Typed clients of Guardian's public services, sharing one transport and credentials. */
export interface GuardianClient {
  auth: Client<typeof AuthService>;
  config: Client<typeof ConfigService>;
  schema: Client<typeof SchemaService>;
  cluster: Client<typeof ClusterService>;
  /** The transport every client uses, for services or calls not covered here. */
  transport: Transport;
  /**
   * Keeps a live copy of the configs of `project`: one key (`{ key }`), a key prefix
   * (`{ prefix }`) or the whole project (`{}`). See {@link Subscription}. `T` types the
   * content (for example a type `guardian codegen` wrote for the configs' schema); the
   * server validated every config against its schema, the client does not check again.
   */
  subscribe<T = JsonValue>(
    project: string,
    target?: WatchTarget,
    opts?: SubscribeOptions,
  ): Subscription<T>;
  /**
   * Reports which version of each config this instance applied or rejected, and keeps the
   * instance listed in `ListConfigInstances`. See {@link StatusReporter}.
   */
  reporter(opts: StatusReporterOptions): StatusReporter;
}

/**
 * Creates a Guardian client: typed Connect clients for the auth, config, schema and cluster
 * services, and `subscribe`. Credentials go on every call: an API key as `x-api-key`, or a
 * token provider's token as `Authorization: Bearer`. Throws a TypeError naming the option
 * when the options are wrong (no baseUrl, both or neither of apiKey and tokenProvider).
 */
export function createGuardianClient(opts: GuardianClientOptions): GuardianClient {
  const credentials = checkClientOptions(opts);
  const factory = opts.createTransport ?? transportFor(opts.protocol ?? "connect");
  const transport = factory({
    baseUrl: opts.baseUrl,
    interceptors: [credentialsInterceptor(credentials), ...(opts.interceptors ?? [])],
  });
  const config = createClient(ConfigService, transport);
  const tokenProvider = "tokenProvider" in credentials ? credentials.tokenProvider : undefined;
  return {
    auth: createClient(AuthService, transport),
    config,
    schema: createClient(SchemaService, transport),
    cluster: createClient(ClusterService, transport),
    transport,
    subscribe: <T = JsonValue>(
      project: string,
      target: WatchTarget = {},
      subscribeOpts?: SubscribeOptions,
    ) =>
      createSubscription(
        { config, tokenProvider },
        project,
        target,
        subscribeOpts,
      ) as unknown as Subscription<T>,
    reporter: (reporterOpts) => createStatusReporter(config, reporterOpts),
  };
}
