import type { Socket } from "node:net";

/** The bytes every HTTP/2 cleartext (h2c prior-knowledge) connection starts with. */
export const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** What the first bytes of a connection say it speaks, and the bytes read to find out. */
export interface SniffResult {
  readonly protocol: "h2" | "http1";
  readonly head: Buffer;
}

/**
 * Reads the first bytes of a connection until they match or rule out the HTTP/2 preface.
 *
 * Resolves `undefined` when the peer closes, errors or stays silent for `timeoutMs` first; the
 * socket is destroyed in that case. Leaves the socket paused with the read bytes in `head`.
 */
export function sniffProtocol(socket: Socket, timeoutMs: number): Promise<SniffResult | undefined> {
  return new Promise((resolve) => {
    let head = Buffer.alloc(0);
    const finish = (result: SniffResult | undefined): void => {
      socket.removeListener("data", onData);
      socket.removeListener("end", onGone);
      socket.removeListener("close", onGone);
      socket.removeListener("error", onGone);
      socket.setTimeout(0);
      socket.removeListener("timeout", onGone);
      if (result === undefined) {
        socket.destroy();
      } else {
        socket.pause();
      }
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, http2Preface.length);
      if (!head.subarray(0, n).equals(http2Preface.subarray(0, n))) {
        finish({ protocol: "http1", head });
      } else if (n === http2Preface.length) {
        finish({ protocol: "h2", head });
      }
    };
    const onGone = (): void => finish(undefined);
    socket.on("data", onData);
    socket.once("end", onGone);
    socket.once("close", onGone);
    socket.once("error", onGone);
    socket.setTimeout(timeoutMs, onGone);
  });
}

/**
 * Hands a sniffed HTTP/1.x connection to an `http.Server`: puts the read bytes back and emits
 * `connection`. The http server parses them before anything else read from the socket.
 */
export function handOverHttp1(socket: Socket, head: Buffer, emit: (socket: Socket) => void): void {
  socket.unshift(head);
  emit(socket);
  socket.resume();
}
