import { statSync } from "node:fs";
import { rm } from "node:fs/promises";
import net from "node:net";
import { join } from "node:path";

/** This process's hold on embedded mode's data directory (see {@link lockDataDir}). */
export interface DataDirLock {
  /** Lets the next `guardian dev` take the directory. */
  release(): Promise<void>;
}

/** Another process holds the data directory. */
export class DataDirInUseError extends Error {
  override readonly name = "DataDirInUseError";
}

/** Longest Unix socket path every system accepts (sun_path holds 104 bytes on macOS). */
const maxSocketPath = 103;

/**
 * Takes embedded mode's data directory `dir` for this process, or throws a
 * {@link DataDirInUseError} naming the process that has it. PGlite keeps the database's pages
 * in the memory of the process that opened it, so two processes on one directory would each
 * overwrite what the other wrote.
 *
 * The lock is a Unix socket this process listens on. On Linux it lives in the abstract
 * namespace, named after the directory's device and inode (whichever path leads to it), and
 * vanishes with the process however it ends. Elsewhere it is a socket file in the directory,
 * removed at release; a file left by a process that is gone (nothing answers on it) is
 * replaced (`abstract: false` chooses the file on Linux too). Whoever connects is told this
 * process's ID. Processes in different network namespaces (containers sharing one volume)
 * do not see each other's lock.
 */
export async function lockDataDir(
  dir: string,
  { abstract = process.platform === "linux" }: { abstract?: boolean } = {},
): Promise<DataDirLock> {
  const { dev, ino } = statSync(dir);
  const path = abstract ? `\0guardian-data-dir-${dev}-${ino}` : join(dir, ".guardian.lock");
  if (!abstract && Buffer.byteLength(path) > maxSocketPath) {
    // Too long for a socket address: the directory goes unguarded rather than unusable.
    return { release: async () => undefined };
  }
  const server = net.createServer((socket) => {
    // Anyone may connect (on Linux, from any user): one who hangs up at once resets the
    // socket, and an unheard 'error' would end this process.
    socket.on("error", () => {});
    socket.end(`${process.pid}\n`);
  });
  server.unref();
  for (let attempt = 0; ; attempt++) {
    const failure = await listen(server, path);
    if (!failure) break;
    if (failure.code !== "EADDRINUSE" || attempt > 0) throw failure;
    const owner = await ownerOf(path);
    if (owner !== undefined) {
      throw new DataDirInUseError(
        `the data directory ${dir} is in use by another guardian dev (process ${owner || "unknown"}); ` +
          "stop it first, or set GUARDIAN_DATA_DIR to another directory",
      );
    }
    // Nobody answers: its owner ended (on Linux, between the two calls). Take it over.
    if (!abstract) await rm(path, { force: true });
  }
  // A failed accept (out of file descriptors) is the lock's own trouble, not the process's.
  server.on("error", () => {});
  return {
    async release() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!abstract) await rm(path, { force: true });
    },
  };
}

function listen(server: net.Server, path: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const onError = (err: NodeJS.ErrnoException) => resolve(err);
    server.once("error", onError);
    server.listen(path, () => {
      server.off("error", onError);
      resolve(undefined);
    });
  });
}

/**
 * The process ID the lock's holder gives ("" when it answered without one), or undefined
 * when nothing answers on `path`.
 */
function ownerOf(path: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(path);
    let said = "";
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on("data", (b: Buffer) => (said += b.toString()));
    socket.on("error", (err: NodeJS.ErrnoException) =>
      resolve(err.code === "ECONNREFUSED" || err.code === "ENOENT" ? undefined : ""),
    );
    socket.on("close", () => resolve(said.trim()));
  });
}
