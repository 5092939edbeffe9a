import { setMaxListeners } from "node:events";
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { Code, ConnectError, type ContextValues } from "@connectrpc/connect";
import type { DescMethod } from "@bufbuild/protobuf";
import { urlHost, type NodeRequest, type NodeResponse } from "./node-http.js";
import { internalError } from "../errors/internal.js";
import { remoteAddressKey, requestIdKey } from "../logging/logger.js";
import { pageTokenSignerKey } from "../rpc/page-signer.js";
import { createAdmittedCalls, headersOf } from "./admission.js";
import { bindCallLogger, createCallValues } from "./call-values.js";
import { createFastRoutes } from "./fast-route.js";
import { clientAddress } from "./client-address.js";
import { createConnectionTracker } from "./connections.js";
import { answerFailure, authorityError } from "./connect-adapter.js";
import { createRequestDecoder } from "../offload/decoder.js";
import { writeEarlyError } from "./early-error.js";
import { createPlainRoutes } from "./plain-routes.js";
import { createRpcHandler } from "./rpc-handler.js";
import { assignRequestId, requestIdOf, resolveRequestId } from "./request-id.js";
import { serverInterceptors } from "./server-interceptors.js";
import type { ServerOptions } from "./server-options.js";
import { handOverHttp1, sniffProtocol } from "./sniff.js";
import { openCallLimit } from "./open-calls.js";
import { pingSession } from "./session-pings.js";

export type { ServerOptions } from "./server-options.js";

/** The bound address of a listening server. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
  /** Base URL for clients, for example `http://127.0.0.1:43567`. */
  readonly url: string;
}

/** A Guardian server: gRPC, gRPC-Web and Connect on one port, over HTTP/1.1 and h2c. */
export interface Server {
  /** Binds the port and starts accepting connections. */
  listen(): Promise<ServerAddress>;
  /** Shuts down gracefully (see {@link createServer}); resolves when every connection closed. */
  close(): Promise<void>;
  /** The bound address, once listening. */
  readonly address: ServerAddress | undefined;
  /**
   * Aborted (with ConnectError Unavailable) when close() begins. Streaming handlers see it
   * through `ctx.signal` already; other long-running work can listen to it directly.
   */
  readonly shutdownSignal: AbortSignal;
}

/**
 * Creates a server that speaks every Connect protocol on one TCP port.
 *
 * Each connection is sniffed: the HTTP/2 preface goes to an h2c server (gRPC, Connect, gRPC-Web
 * over h2), anything else to an HTTP/1.1 server (Connect, gRPC-Web, curl, browsers). Both serve
 * `/healthz`, `/readyz`, `/metrics`, the extra `httpRoutes`, then the RPC routes. Every response
 * carries `x-request-id`.
 *
 * close() stops accepting connections, reports NOT_SERVING, aborts {@link Server.shutdownSignal}
 * so streams end, lets unary calls finish, and after `shutdownTimeoutMs` aborts every handler and
 * destroys the remaining connections.
 */
export function createServer(opts: ServerOptions): Server {
  const { logger, health, metrics } = opts;
  const shutdown = new AbortController();
  const force = new AbortController();
  // Each route table passes it on to its calls (rpc/abort-fanout.ts): one listener per fast
  // route and one for Connect's routes, more than EventTarget's default warning allows.
  setMaxListeners(0, force.signal);
  const connections = createConnectionTracker();
  let address: ServerAddress | undefined;
  let closing: Promise<void> | undefined;
  const methods = new Map<string, DescMethod>();
  // Context values an admission check filled in, for the call's handler and interceptors.
  const admitted = createAdmittedCalls();

  const interceptors = serverInterceptors({
    logger,
    metrics,
    shutdownSignal: shutdown.signal,
    extra: opts.interceptors,
  });
  const valuesOf = (req: NodeRequest): ContextValues => {
    const id = requestIdOf(req) ?? resolveRequestId(undefined);
    const values = admitted.valuesOf(req) ?? createCallValues();
    if (opts.pageTokenSigner) values.set(pageTokenSignerKey, opts.pageTokenSigner);
    values.set(requestIdKey, id).set(remoteAddressKey, addressOf(req));
    // The call's child logger is made when something logs through it, not on every call.
    bindCallLogger(values, logger, id);
    return values;
  };
  const readMaxBytes = opts.maxRequestBytes ?? 4 * 1024 * 1024;
  const decoder = createRequestDecoder({ logger });
  const rpcHandler = createRpcHandler({
    routes: opts.routes,
    health,
    methods,
    readMaxBytes,
    decoder,
    offloadMinBytes: opts.offloadMinBytes ?? 32 * 1024,
    signal: force.signal,
    interceptors,
    valuesOf,
    logger,
  });
  const plainRoutes = createPlainRoutes(opts);
  const fastRoutes = createFastRoutes({
    // The health check's own, then the services'.
    routes: [...health.fastRoutes, ...(opts.fastRoutes ?? [])],
    interceptors,
    readMaxBytes,
    signal: force.signal,
    valuesOf,
    headerOf: (req) => admitted.headerOf(req) ?? headersOf(req),
  });
  const failure = { logger, readMaxBytes };
  const tooManyCalls = openCallLimit(opts, logger, () => connections.openRequests());
  const serve = (req: NodeRequest, res: NodeResponse, path: string): void => {
    try {
      if (!fastRoutes(req, res, path)) rpcHandler(req, res);
    } catch (err) {
      answerFailure(req, res, err, failure, `rpc ${path}`);
    }
  };

  const route = (req: NodeRequest, res: NodeResponse, path: string): void => {
    if (plainRoutes(req, res, path)) return;
    if (opts.site && !methods.has(path) && opts.site(req, res, path)) return;
    const method = methods.get(path);
    const verdict =
      (method && (tooManyCalls() || authorityError(req))) ||
      (method && opts.admit?.(admitted.callOf(req, method, addressOf(req))));
    if (verdict instanceof Promise) {
      // The body stays unread (no one consumes the stream) until the check settles.
      verdict.then(
        (refused) =>
          refused ? writeEarlyError(req, res, refused, readMaxBytes) : serve(req, res, path),
        (err: unknown) => {
          logger.error({ err, reqId: requestIdOf(req) }, "admission check failed");
          writeEarlyError(req, res, internalError(err, requestIdOf(req)), readMaxBytes);
        },
      );
      return;
    }
    if (verdict) {
      writeEarlyError(req, res, verdict, readMaxBytes);
      return;
    }
    serve(req, res, path);
  };
  // Nothing thrown while a request is routed may escape: it would end the process.
  const onRequest = (req: NodeRequest, res: NodeResponse): void => {
    const url = req.url ?? "";
    const query = url.indexOf("?");
    const path = query < 0 ? url : url.slice(0, query);
    try {
      assignRequestId(req, res);
      connections.trackRequest(req, res);
      route(req, res, path);
    } catch (err) {
      answerFailure(req, res, err, failure, `request ${path}`);
    }
  };

  const peers = new WeakMap<http2.Http2Session, net.Socket>();
  let handingOver: net.Socket | undefined;
  const peerOf = (req: NodeRequest): string => {
    const session = "stream" in req ? req.stream.session : undefined;
    return (session && peers.get(session)?.remoteAddress) ?? req.socket.remoteAddress ?? "";
  };
  const addressOf = (req: NodeRequest): string =>
    clientAddress(peerOf(req), req.headers["x-forwarded-for"], opts.trustedProxyHops ?? 0);

  const http1Server = http.createServer(onRequest);
  // An http.Server tracks connections (request timeouts, closeIdleConnections) only after
  // "listening"; this one never listens itself, so start the tracking explicitly.
  http1Server.emit("listening");
  const http2Server = http2.createServer({}, onRequest);
  http2Server.on("session", (session) => {
    connections.trackSession(session);
    pingSession(session, opts.sessionPings ?? {}, logger);
    // The session's own socket wraps our replaying stream and knows no peer: remember the
    // real one ("session" fires synchronously inside emit("connection")).
    if (handingOver) peers.set(session, handingOver);
  });

  const netServer = net.createServer({ noDelay: true }, (socket) => {
    // Resets and broken pipes are routine; without a listener they would crash the process.
    socket.on("error", (err) => logger.debug({ err }, "connection error"));
    // Probes from 30 s of silence: an HTTP/1.1 stream whose client vanished fails (HTTP/2
    // connections are pinged, see pingSession).
    socket.setKeepAlive(true, 30_000);
    connections.trackSocket(socket);
    sniffProtocol(socket, opts.firstByteTimeoutMs ?? 30_000).then(
      (sniffed) => {
        if (sniffed === undefined) {
          return;
        }
        connections.markHandedOver(socket);
        if (sniffed.protocol === "h2") {
          handingOver = socket;
          try {
            // The session takes the socket's native handle; it first reads the bytes the
            // sniff put back, so no JavaScript stream sits between the socket and HTTP/2.
            socket.unshift(sniffed.head);
            http2Server.emit("connection", socket);
          } finally {
            handingOver = undefined;
          }
        } else {
          handOverHttp1(socket, sniffed.head, (s) => http1Server.emit("connection", s));
        }
      },
      (err: unknown) => {
        logger.warn({ err }, "connection setup failed");
        socket.destroy();
      },
    );
  });

  return {
    listen() {
      return new Promise((resolve, reject) => {
        const host = opts.host ?? "127.0.0.1";
        netServer.once("error", reject);
        netServer.listen(opts.port ?? 0, host, () => {
          netServer.off("error", reject);
          const bound = netServer.address() as net.AddressInfo;
          address = { host, port: bound.port, url: `http://${urlHost(bound)}:${bound.port}` };
          logger.info({ url: address.url }, "server listening");
          resolve(address);
        });
      });
    },
    close() {
      closing ??= (async () => {
        logger.info("server shutting down");
        const closed = new Promise<void>((resolve) => netServer.close(() => resolve()));
        health.shutdown();
        shutdown.abort(new ConnectError("server is shutting down", Code.Unavailable));
        connections.beginShutdown(() => http1Server.closeIdleConnections());
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), opts.shutdownTimeoutMs ?? 10_000);
        });
        if (await Promise.race([closed.then(() => false), timedOut])) {
          logger.warn("shutdown timeout reached, closing remaining connections");
          force.abort(new ConnectError("server is shutting down", Code.Unavailable));
          connections.destroyAll();
        }
        clearTimeout(timer);
        await closed;
        http1Server.close();
        http2Server.close();
        await decoder.close();
        logger.info("server closed");
      })();
      return closing;
    },
    get address() {
      return address;
    },
    shutdownSignal: shutdown.signal,
  };
}
