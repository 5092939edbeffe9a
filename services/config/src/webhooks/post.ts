import http from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";
import { createDeadline } from "@guardian/kit";
import type { TargetPolicy } from "./address-rules.js";
import { guardedLookup, literalAddress, refusedAddress } from "./target.js";

/** How one POST is bounded. */
export interface PostLimits {
  /** Connect timeout (DNS and TLS included), milliseconds. */
  connectTimeoutMs: number;
  /** Total timeout of the attempt, milliseconds. */
  timeoutMs: number;
  /** Bytes of the answer read at most; the rest is not read. */
  responseLimitBytes: number;
}

/** The outcome of one POST. */
export interface PostOutcome {
  /** True for a 2xx answer. */
  ok: boolean;
  /** The HTTP status; 0 when no answer came. */
  status: number;
  /** Milliseconds from the start to the end of the answer (or the failure). */
  latencyMs: number;
  /** Why it failed; empty when ok. */
  error: string;
}

/**
 * POSTs a body to a webhook URL and never throws: connects only to addresses the policy
 * allows (checked on the resolved addresses the socket uses), follows no redirect, reads at
 * most `responseLimitBytes` of the answer and discards it, and gives up after the timeouts
 * or when `signal` aborts.
 */
export async function postWebhook(
  target: string,
  body: string,
  headers: Record<string, string>,
  opts: PostLimits & { policy: TargetPolicy; signal?: AbortSignal },
): Promise<PostOutcome> {
  const started = performance.now();
  const done = (status: number, error: string): PostOutcome => ({
    ok: error === "" && status >= 200 && status < 300,
    status,
    latencyMs: Math.round(performance.now() - started),
    error: error === "" && (status < 200 || status >= 300) ? `HTTP ${status}` : error,
  });
  const url = new URL(target);
  const literal = literalAddress(url);
  if (literal !== undefined && !opts.policy.addressAllowed(literal)) {
    return done(0, refusedAddress(literal, literal));
  }
  // Ended with the attempt: an AbortSignal.timeout would live on after it.
  const deadline = createDeadline(opts.timeoutMs, opts.signal);
  const { signal } = deadline;
  return new Promise<PostOutcome>((resolve) => {
    const client = url.protocol === "https:" ? https : http;
    let status = 0;
    const req = client.request(url, {
      method: "POST",
      headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
      lookup: guardedLookup(opts.policy),
      agent: false,
      signal,
    });
    const finish = (error: string) => {
      clearTimeout(connectTimer);
      deadline.clear();
      resolve(done(status, error));
    };
    const connectTimer = setTimeout(
      () => req.destroy(new Error(`no connection within ${opts.connectTimeoutMs} ms`)),
      opts.connectTimeoutMs,
    );
    req.on("socket", (socket) => {
      const connected = url.protocol === "https:" ? "secureConnect" : "connect";
      if (!socket.connecting) clearTimeout(connectTimer);
      else socket.once(connected, () => clearTimeout(connectTimer));
    });
    const failText = (err: Error) =>
      signal.aborted && !opts.signal?.aborted
        ? `no complete answer within ${opts.timeoutMs} ms`
        : err.message;
    req.on("error", (err) => finish(failText(err)));
    req.on("response", (res) => {
      status = res.statusCode ?? 0;
      let read = 0;
      res.on("data", (chunk: Buffer) => {
        read += chunk.length;
        // The answer is never used: past the limit, stop reading and let the status decide.
        if (read > opts.responseLimitBytes) {
          res.destroy();
          finish("");
        }
      });
      res.on("end", () => finish(""));
      res.on("error", (err) => finish(failText(err)));
    });
    req.end(body);
  });
}
