import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import type { Health } from "../health/health.js";
import type { Logger } from "../logging/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { PageTokenSigner } from "../rpc/page-signer.js";
import type { Admission } from "./admission.js";
import type { FastRoute } from "./fast-route.js";
import type { HttpRoute, StaticSite } from "./plain-routes.js";
import type { SessionPingOptions } from "./session-pings.js";

/** Options for `createServer`. */
export interface ServerOptions {
  /** Registers the services this process serves. The Health service is added automatically. */
  routes: (router: ConnectRouter) => void;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Port to bind; `0` (the default) picks a free port. */
  port?: number;
  /** Largest request message accepted, in bytes; larger ones get ResourceExhausted. Default 4 MiB. */
  maxRequestBytes?: number;
  /**
   * Requests open at once (streams, unary calls, plain HTTP) beyond which a new RPC is
   * refused with ResourceExhausted, so that clients cannot hold the process's memory without
   * bound (an open stream costs tens of kilobytes). `/healthz`, `/readyz` and `/metrics` are
   * always answered. Default 10,000.
   */
  maxOpenCalls?: number;
  /** The process logger; each request gets a child bound to its request id. */
  logger: Logger;
  /** Health registry served as `grpc.health.v1.Health` and at `/readyz`. */
  health: Health;
  /** Metrics registry served at `/metrics`; its interceptor runs first after tracing. */
  metrics: Metrics;
  /** Interceptors after tracing, metrics, logging, shutdown and the text check (auth goes here). */
  interceptors?: Interceptor[];
  /** Extra plain HTTP GET endpoints by exact path, for example `/.well-known/jwks.json`. */
  httpRoutes?: Readonly<Record<string, HttpRoute>>;
  /**
   * Decides from the headers alone, before the body is read, whether an RPC is served
   * (authentication uses it to turn away calls that cannot authenticate).
   */
  admit?: Admission;
  /**
   * Proxies in front of this server whose `x-forwarded-for` entries are trusted (Envoy's
   * `xff_num_trusted_hops`). 0, the default, uses the peer address and ignores the header.
   */
  trustedProxyHops?: number;
  /** How long close() waits for calls to finish before cutting connections. Default 10 s. */
  shutdownTimeoutMs?: number;
  /**
   * HTTP/2 client connections are pinged every `intervalMs` (30 s) and closed when a ping
   * goes unanswered for `timeoutMs` (10 s).
   */
  sessionPings?: SessionPingOptions;
  /** How long a new connection may stay silent before it is dropped. Default 30 s. */
  firstByteTimeoutMs?: number;
  /**
   * RPCs answered without Connect's generic router, after the same admission check and
   * interceptors: unary ones (`FastUnaryRoute`) and server streams over gRPC
   * (`FastStreamRoute`); calls they do not serve exactly go to Connect.
   */
  fastRoutes?: readonly FastRoute[];
  /** A static site on the same port (the console): asked about each non-RPC path first. */
  site?: StaticSite;
  /**
   * Request messages of unary methods with JSON documents (Value or Struct fields) from this
   * many bytes on are decoded on a worker thread, not the event loop. Default 32 KiB.
   */
  offloadMinBytes?: number;
  /**
   * Signs the page tokens handlers hand out; every process of a deployment must share its
   * secret. Default: a secret made at random for this process.
   */
  pageTokenSigner?: PageTokenSigner;
}
