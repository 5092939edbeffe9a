import { readFileSync, readdirSync, readlinkSync } from "node:fs";

/** The PIDs of the processes whose parent is `pid` (from /proc). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name may hold spaces and parentheses: the fields follow its last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // It ended while we looked.
    }
  }
  return children.sort((a, b) => a - b);
}

/** The inode of the server side of the loopback TCP connection `clientPort` → `serverPort`. */
function serverSocketInode(serverPort: number, clientPort: number): string | undefined {
  const port = (address: string) => parseInt(address.split(":")[1]!, 16);
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    if (port(fields[1]!) === serverPort && port(fields[2]!) === clientPort) return fields[9];
  }
  return undefined;
}

/**
 * Which of `pids` holds the server side of the connection from local port `clientPort` to
 * `serverPort`, that is, which process serves that connection.
 */
export function connectionOwner(
  serverPort: number,
  clientPort: number,
  pids: readonly number[],
): number | undefined {
  const inode = serverSocketInode(serverPort, clientPort);
  if (inode === undefined) return undefined;
  for (const pid of pids) {
    try {
      const fds = readdirSync(`/proc/${pid}/fd`);
      if (fds.some((fd) => safeReadlink(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`)) {
        return pid;
      }
    } catch {
      // It ended while we looked.
    }
  }
  return undefined;
}

function safeReadlink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}
