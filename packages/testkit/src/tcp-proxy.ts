import { connect, createServer, type Socket } from "node:net";

/** A loopback TCP proxy in front of a server, whose connections a test can cut. */
export interface TcpProxy {
  /**
   * The target URL with its host and port replaced by the proxy's (`http://127.0.0.1:PORT`
   * for a server URL without a path, a database URL keeps its user, path and options).
   */
  readonly url: string;
  /** Drops every open connection and refuses new ones, like a partition or a crash. */
  cut(): void;
  /**
   * Stops passing bytes either way while every connection stays open, like a peer that
   * vanished without closing its connections (a dead host, a dropped NAT entry).
   */
  freeze(): void;
  /**
   * Accepts connections again (after `cut`), and passes the bytes of new ones (after
   * `freeze`; connections open while frozen stay frozen).
   */
  restore(): void;
  close(): Promise<void>;
}

const defaultPorts: Record<string, number> = {
  "postgres:": 5432,
  "postgresql:": 5432,
  "http:": 80,
};

/** Starts a {@link TcpProxy} on a random loopback port in front of the server of `url`. */
export async function startTcpProxy(url: string): Promise<TcpProxy> {
  const target = new URL(url);
  const targetPort = Number(target.port) || defaultPorts[target.protocol];
  if (!targetPort) throw new Error(`no port in ${url}`);
  const sockets = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  let frozen = false;
  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    if (frozen) {
      sockets.add(client);
      client.on("close", () => sockets.delete(client));
      client.on("error", () => client.destroy());
      client.pause();
      return;
    }
    const upstream = connect(targetPort, target.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    upstream.on("close", () => pairs.delete(pair));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => {
        sockets.delete(s);
        end();
      });
      s.on("error", end);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");
  const proxied = new URL(url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(address.port);
  const bare = proxied.pathname === "/" && !proxied.search && !proxied.hash;
  const cut = () => {
    refusing = true;
    for (const s of sockets) s.destroy();
  };
  return {
    url: bare ? proxied.origin : proxied.toString(),
    cut,
    freeze() {
      frozen = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    restore() {
      refusing = false;
      frozen = false;
    },
    close() {
      cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
