import { connect } from "node:net";
import { join } from "node:path";
import { freePort } from "./ports.js";
import { describeExit, spawnProcess } from "./process.js";
import type { ManagedProcess } from "./process.js";
import { requireSystemBinaries } from "./system-packages.js";
import { makeTempDir, removeTempDir } from "./temp-dir.js";
import { GiveUpError, waitFor } from "./wait.js";

/** Options for {@link startRedis}. */
export interface StartRedisOptions {
  /** Port to listen on; a free port is picked when omitted. */
  readonly port?: number;
  /** How long to wait for the server to answer PING. Defaults to 15 s. */
  readonly startTimeoutMs?: number;
}

/** A throwaway Redis server on loopback, started by {@link startRedis}. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** File with the server's log output. */
  readonly logFile: string;
  /** Shuts the server down and deletes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts a throwaway Redis server on 127.0.0.1 without persistence.
 *
 * It resolves once the server answers PING.
 */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisServer> {
  const bins = requireSystemBinaries();
  const dir = await makeTempDir("redis");
  const logFile = join(dir, "redis.log");
  let server: ManagedProcess | undefined;
  try {
    // A port picked by freePort() can be taken by someone else before redis binds it.
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await freePort());
      server = spawnProcess({
        name: "redis-server",
        command: bins.redisServer,
        args: [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
        ].concat(["--dir", dir, "--daemonize", "no", "--loglevel", "warning"]),
        cwd: dir,
        logFile,
      });
      try {
        await waitUntilPong(server, port, opts.startTimeoutMs ?? 15_000);
      } catch (error) {
        const retry = server.exited && opts.port === undefined && attempt < 3;
        if (retry && /already in use/i.test(server.logTail(20))) continue;
        throw error;
      }
      const running = server;
      let stopped: Promise<void> | undefined;
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        logFile,
        stop() {
          stopped ??= running.stop().then(() => removeTempDir(dir));
          return stopped;
        },
      };
    }
  } catch (error) {
    await server?.stop();
    await removeTempDir(dir);
    throw error;
  }
}

async function waitUntilPong(server: ManagedProcess, port: number, timeoutMs: number) {
  await waitFor(
    async () => {
      if (server.exited) {
        const result = await server.exit;
        throw new GiveUpError(
          `redis-server exited during startup (${describeExit(result)}); log ${server.logFile}:\n` +
            server.logTail(),
        );
      }
      return (await ping(port)) ? true : undefined;
    },
    { what: `redis-server to answer PING on port ${port}`, timeoutMs },
  );
}

/** Sends one inline PING over a raw socket and reports whether the answer was +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.on("error", () => finish(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (reply.includes("\r\n")) finish(reply.startsWith("+PONG"));
    });
    socket.on("end", () => finish(false));
  });
}
