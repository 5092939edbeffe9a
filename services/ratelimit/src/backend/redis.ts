import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { traced } from "@guardian/kit";
import {
  BackendUnavailableError,
  type BucketResult,
  type RateLimitBackend,
  type TakeResult,
} from "./backend.js";

/**
 * The token bucket take, atomic in Redis. KEYS are the buckets; ARGV[1] is the time in
 * milliseconds (negative: use the Redis server's clock, so every instance shares one clock),
 * then capacity, period in ms, hits and shadow (1 or 0) for each key.
 *
 * Each bucket is a hash {t = tokens, ts = time of t}. A missing bucket is full. The take is
 * all-or-nothing: tokens are removed only when every bucket that is not a shadow holds enough
 * (shadow buckets are then charged when they hold enough, and never decide). A bucket expires
 * exactly when it would be full again, so idle clients cost no memory.
 *
 * Returns {allowed, then per key: sufficient, remaining, reset ms, retry ms}.
 */
export const takeScript = `
local now = tonumber(ARGV[1])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local n = #KEYS
local before = {}
local allowed = 1
for i = 1, n do
  local cap = tonumber(ARGV[(i - 1) * 4 + 2])
  local period = tonumber(ARGV[(i - 1) * 4 + 3])
  local hits = tonumber(ARGV[(i - 1) * 4 + 4])
  local state = redis.call('HMGET', KEYS[i], 't', 'ts')
  local tokens = cap
  if state[1] and state[2] then
    tokens = tonumber(state[1])
    local ts = tonumber(state[2])
    if now > ts then
      tokens = tokens + (now - ts) * (cap / period)
    end
    tokens = math.min(cap, tokens)
  end
  before[i] = tokens
  if tokens < hits and ARGV[(i - 1) * 4 + 5] ~= '1' then
    allowed = 0
  end
end
local out = {allowed}
for i = 1, n do
  local cap = tonumber(ARGV[(i - 1) * 4 + 2])
  local period = tonumber(ARGV[(i - 1) * 4 + 3])
  local hits = tonumber(ARGV[(i - 1) * 4 + 4])
  local rate = cap / period
  local after = before[i]
  if allowed == 1 and after >= hits then
    after = after - hits
  end
  local reset = math.ceil((cap - after) / rate)
  if after < cap then
    redis.call('HSET', KEYS[i], 't', string.format('%.17g', after), 'ts', now)
    redis.call('PEXPIRE', KEYS[i], math.max(1, reset))
  else
    redis.call('DEL', KEYS[i])
  end
  local retry = 0
  if after < hits then
    retry = math.ceil((hits - after) / rate)
  end
  local sufficient = 0
  if before[i] >= hits then
    sufficient = 1
  end
  table.insert(out, sufficient)
  table.insert(out, math.floor(after))
  table.insert(out, reset)
  table.insert(out, retry)
end
return out
`;

const takeSha = createHash("sha1").update(takeScript).digest("hex");

/** Options for {@link createRedisBackend}. */
export interface RedisBackendOptions {
  /** `redis://` or `rediss://` URL. */
  url: string;
  /** Prefix of every key written. Default `guardian:ratelimit:`. */
  keyPrefix?: string;
  /** How long one take may take before it fails. Default 100 ms. */
  timeoutMs?: number;
  /** The clock in milliseconds; by default the Redis server's clock (shared by all instances). */
  now?: () => number;
  /** Called with connection errors (Redis going away, refused reconnects). */
  onError?: (err: Error) => void;
}

/**
 * Creates a backend that keeps token buckets in Redis, so every rate limit instance shares
 * the counts. Each take is one Lua script run (EVALSHA), atomic across all its buckets.
 * Takes fail at once while Redis is unreachable (no offline queue; only the first connection
 * is awaited, up to the timeout) and reconnects run in the background; callers apply their
 * failure mode.
 */
export function createRedisBackend(opts: RedisBackendOptions): RateLimitBackend {
  const prefix = opts.keyPrefix ?? "guardian:ratelimit:";
  const timeoutMs = opts.timeoutMs ?? 100;
  const redis = new Redis(opts.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
  // Without a listener ioredis prints every connection error itself.
  redis.on("error", (err: Error) => opts.onError?.(err));
  let everReady = false;
  const firstReady = new Promise<void>((resolve) =>
    redis.once("ready", () => {
      everReady = true;
      resolve();
    }),
  );

  // Only the first connection is waited for (bounded by the timeout); while Redis is away
  // later, takes fail at once rather than queue up and run late.
  const whenReady = async (): Promise<void> => {
    if (redis.status === "ready" || everReady) {
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([firstReady, timedOut]);
    clearTimeout(timer);
  };

  // Each Redis command is one client span (with tracing on).
  const command = (name: string, fn: () => Promise<unknown>): Promise<unknown> =>
    traced(
      name,
      "client",
      { "db.system": "redis", "db.system.name": "redis", "db.operation.name": name },
      fn,
    );
  const run = async (keys: string[], args: (string | number)[]): Promise<unknown> => {
    try {
      return await command("EVALSHA", () => redis.evalsha(takeSha, keys.length, ...keys, ...args));
    } catch (err) {
      if (err instanceof Error && err.message.startsWith("NOSCRIPT")) {
        return command("EVAL", () => redis.eval(takeScript, keys.length, ...keys, ...args));
      }
      throw err;
    }
  };

  return {
    async take(requests): Promise<TakeResult> {
      if (requests.length === 0) {
        return { allowed: true, buckets: [] };
      }
      const keys = requests.map((r) => prefix + r.key);
      const args = [
        opts.now ? Math.floor(opts.now()) : -1,
        ...requests.flatMap((r) => [r.capacity, r.periodMs, r.hits, r.shadow === true ? 1 : 0]),
      ];
      let reply: unknown;
      try {
        await whenReady();
        reply = await run(keys, args);
      } catch (err) {
        throw new BackendUnavailableError("redis rate limit backend unavailable", { cause: err });
      }
      return decodeReply(reply, requests.length);
    },
    connected: () => redis.status === "ready",
    async close() {
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}

function decodeReply(reply: unknown, count: number): TakeResult {
  if (!Array.isArray(reply) || reply.length !== 1 + count * 4) {
    throw new BackendUnavailableError("unexpected reply from the rate limit script");
  }
  const n = reply.map(Number);
  const buckets: BucketResult[] = [];
  for (let i = 0; i < count; i++) {
    const at = 1 + i * 4;
    buckets.push({
      sufficient: n[at] === 1,
      remaining: n[at + 1] ?? 0,
      resetMs: n[at + 2] ?? 0,
      retryAfterMs: n[at + 3] ?? 0,
    });
  }
  return { allowed: n[0] === 1, buckets };
}
