import { createServer } from "node:net";
import type { Server } from "node:net";

/** Ports this process has already handed out; the OS may offer a closed port again. */
const handedOut = new Set<number>();

/**
 * Asks the OS for a free TCP port on 127.0.0.1.
 *
 * The port is never one this process handed out before, so servers started one after
 * another get distinct ports.
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error("freePorts(1) returned no port");
  return port;
}

/**
 * Asks the OS for `count` distinct free TCP ports on 127.0.0.1.
 *
 * All listeners stay open until every port is known, so the ports are distinct from each
 * other and from every port this process handed out before.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  try {
    // Ports handed out earlier may come back once closed; keep drawing until enough are new.
    for (let attempts = 0; ports.length < count; attempts++) {
      if (attempts > count + 100) throw new Error(`could not find ${count} free ports`);
      const server = await listenOnRandomPort();
      servers.push(server);
      const address = server.address();
      if (address === null || typeof address === "string") continue;
      if (!handedOut.has(address.port)) ports.push(address.port);
    }
  } finally {
    await Promise.all(servers.map(closeServer));
  }
  for (const port of ports) handedOut.add(port);
  return ports;
}

function listenOnRandomPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => resolve(server));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
