import { readFile } from "node:fs/promises";
import { Etcd3 } from "etcd3";
import { tracingEnabled } from "@guardian/kit";
import { traceEtcdCalls } from "./call-tracing.js";
import { requireLeaderForWatches } from "./leader-watch.js";

/** TLS material as PEM contents: the CA that signed the members' certificates, a client pair. */
export interface EtcdTls {
  /** Without a CA, the system roots verify the members. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** Paths of PEM files, as settings name them; {@link readEtcdTls} reads them. */
export interface EtcdTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** How to reach an etcd cluster. */
export interface EtcdClientOptions {
  /** Client URLs of the members, for example ["https://etcd-1:2379"]. */
  endpoints: string[];
  /** etcd user and password, when etcd authentication is on. */
  auth?: { username: string; password: string };
  /** TLS is on when any of its parts is given. */
  tls?: EtcdTls;
  /** Deadline of each unary call. Defaults to 5 s. */
  callTimeoutMs?: number;
  /** How long a connection attempt may take. Defaults to `callTimeoutMs`. */
  dialTimeoutMs?: number;
}

/**
 * Reads the PEM files that are named, so that a wrong path fails at startup; returns
 * undefined when none is named (plain-text connections).
 */
export async function readEtcdTls(files: EtcdTlsFiles): Promise<EtcdTls | undefined> {
  const read = (path: string | undefined) => (path ? readFile(path) : Promise.resolve(undefined));
  const [ca, cert, key] = await Promise.all([
    read(files.caFile),
    read(files.certFile),
    read(files.keyFile),
  ]);
  return ca || cert || key ? { ca, cert, key } : undefined;
}

/**
 * Creates an etcd client. Every unary call gets a deadline of `callTimeoutMs`; streams
 * (watches, lease keep-alives) have none. Connections are probed with keepalive pings, so a
 * crashed member is noticed even while no call is active on it. With tracing on when it is
 * made, each unary call is a span (see {@link traceEtcdCalls}). Every watch requires a leader
 * (see `watchRequiringLeader`).
 */
export function createEtcdClient(opts: EtcdClientOptions): Etcd3 {
  if (opts.endpoints.length === 0) throw new Error("etcd needs at least one endpoint");
  const callTimeoutMs = opts.callTimeoutMs ?? 5_000;
  const { tls } = opts;
  const client = new Etcd3({
    hosts: opts.endpoints,
    auth: opts.auth,
    credentials:
      tls && (tls.ca || tls.cert || tls.key)
        ? // etcd3 types the root certificate as required; gRPC falls back to the system roots.
          { rootCertificate: tls.ca as Buffer, certChain: tls.cert, privateKey: tls.key }
        : undefined,
    dialTimeout: opts.dialTimeoutMs ?? callTimeoutMs,
    grpcOptions: {
      // Range pages and watch batches carry whole documents.
      "grpc.max_receive_message_length": 256 * 1024 * 1024,
      "grpc.keepalive_time_ms": 10_000,
      "grpc.keepalive_timeout_ms": 5_000,
    },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
  });
  if (tracingEnabled()) traceEtcdCalls(client);
  requireLeaderForWatches(client);
  return client;
}
