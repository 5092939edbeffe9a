import { ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  endStreamFlag,
  errorToJson,
  contentTypeStreamRegExp,
} from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type { NodeRequest, NodeResponse } from "./node-http.js";

/** How long a refused HTTP/1.1 request may take to send the rest of its body. */
const drainTimeoutMs = 5_000;

/**
 * Answers a call with an error in the call's own protocol (gRPC, gRPC-Web, Connect unary or
 * streaming) without parsing its body. HTTP/1.1 connections are closed after the answer, so
 * an unread body is never parsed as the next request; before that, the rest of the body is
 * read and discarded (up to `maxBodyBytes`, for at most 5 s). Closing a connection while the
 * client is still sending its body resets it, and the client would see a broken pipe
 * instead of the answer.
 */
export function writeEarlyError(
  req: NodeRequest,
  res: NodeResponse,
  err: ConnectError,
  maxBodyBytes = 4 * 1024 * 1024,
): void {
  if (req.httpVersionMajor !== 1 || req.complete) {
    answer(req, res, err);
    return;
  }
  let seen = 0;
  let answered = false;
  const finish = () => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    req.off("data", count);
    answer(req, res, err);
  };
  const count = (chunk: Buffer) => {
    seen += chunk.byteLength;
    if (seen > maxBodyBytes) finish();
  };
  const timer = setTimeout(finish, drainTimeoutMs);
  timer.unref();
  req.on("data", count);
  req.once("end", finish);
  req.once("error", finish);
  req.resume();
}

function answer(req: NodeRequest, res: NodeResponse, err: ConnectError): void {
  try {
    write(req, res, err);
  } catch {
    // A header Node refuses (in the error's metadata): answered without the metadata.
    if (res.headersSent) res.destroy();
    else write(req, res, new ConnectError(err.rawMessage, err.code));
  }
}

function write(req: NodeRequest, res: NodeResponse, err: ConnectError): void {
  const contentType = String(req.headers["content-type"] ?? "");
  const headers = new Headers(err.metadata);
  headers.delete("content-length");
  if (req.httpVersionMajor === 1) headers.set("connection", "close");
  let status = 200;
  let body: Uint8Array | undefined;
  if (/^application\/grpc(-web)?([+;]|$)/i.test(contentType)) {
    // Trailers-only: the status travels in the headers, as both gRPC and gRPC-Web allow.
    headers.set("content-type", contentType);
    setTrailerStatus(headers, err);
  } else if (contentTypeStreamRegExp.test(contentType)) {
    headers.set("content-type", contentType);
    const json = JSON.stringify({ error: errorToJson(err, undefined) });
    body = encodeEnvelope(endStreamFlag, new TextEncoder().encode(json));
  } else {
    status = codeToHttpStatus(err.code);
    headers.set("content-type", "application/json");
    body = new TextEncoder().encode(JSON.stringify(errorToJson(err, undefined)));
  }
  if (body) headers.set("content-length", String(body.byteLength));
  res.statusCode = status;
  headers.forEach((value, name) => res.setHeader(name, value));
  if (body) res.end(body);
  else res.end();
}
