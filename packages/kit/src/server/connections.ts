import type { ServerHttp2Session } from "node:http2";
import type { Socket } from "node:net";
import type { NodeRequest, NodeResponse } from "./node-http.js";

/** Keeps track of a server's sockets, h2 sessions and open responses for graceful shutdown. */
export interface ConnectionTracker {
  /** Tracks a freshly accepted TCP socket until it closes. */
  trackSocket(socket: Socket): void;
  /** Notes that a socket finished sniffing and was handed to the HTTP/1.1 or h2 server. */
  markHandedOver(socket: Socket): void;
  /** Tracks an h2 session; closes it at once if shutdown already began. */
  trackSession(session: ServerHttp2Session): void;
  /** Tracks a request until its response closes; during shutdown, asks HTTP/1.1 to close after it. */
  trackRequest(req: NodeRequest, res: NodeResponse): void;
  /** Requests tracked whose response has not closed yet. */
  openRequests(): number;
  /**
   * Starts a graceful shutdown: h2 sessions get GOAWAY, HTTP/1.1 connections close once idle
   * (`closeIdle` closes the idle ones), and sockets that never sent a request are dropped.
   */
  beginShutdown(closeIdle: () => void): void;
  /** Destroys every remaining session and socket. */
  destroyAll(): void;
}

/** Creates a {@link ConnectionTracker}. */
export function createConnectionTracker(): ConnectionTracker {
  const sockets = new Set<Socket>();
  const sniffing = new Set<Socket>();
  const sessions = new Set<ServerHttp2Session>();
  const responses = new Map<NodeResponse, NodeRequest>();
  let shuttingDown = false;
  let closeIdle: () => void = () => {};

  const askToClose = (req: NodeRequest, res: NodeResponse): void => {
    // HTTP/2 forbids connection headers; its sessions are closed with GOAWAY instead.
    if (req.httpVersionMajor === 1 && !res.headersSent) {
      res.setHeader("connection", "close");
    }
  };

  function onResponseClose(this: NodeResponse): void {
    const req = responses.get(this);
    responses.delete(this);
    if (shuttingDown && req?.httpVersionMajor === 1) {
      // The connection turns idle only after Node finished this response.
      setImmediate(closeIdle);
    }
  }

  return {
    trackSocket(socket) {
      sockets.add(socket);
      sniffing.add(socket);
      socket.once("close", () => {
        sockets.delete(socket);
        sniffing.delete(socket);
      });
    },
    markHandedOver(socket) {
      sniffing.delete(socket);
    },
    trackSession(session) {
      sessions.add(session);
      session.once("close", () => sessions.delete(session));
      if (shuttingDown) {
        session.close();
      }
    },
    trackRequest(req, res) {
      responses.set(res, req);
      if (shuttingDown) {
        askToClose(req, res);
      }
      // One listener function for every response ("close" is emitted once).
      res.on("close", onResponseClose);
    },
    openRequests() {
      return responses.size;
    },
    beginShutdown(idle) {
      shuttingDown = true;
      closeIdle = idle;
      for (const session of sessions) {
        session.close();
      }
      for (const [res, req] of responses) {
        askToClose(req, res);
      }
      closeIdle();
      for (const socket of sniffing) {
        socket.destroy();
      }
    },
    destroyAll() {
      for (const session of sessions) {
        session.destroy();
      }
      for (const socket of sockets) {
        socket.destroy();
      }
    },
  };
}
