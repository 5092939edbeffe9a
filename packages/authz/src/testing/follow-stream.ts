import { ConnectError, type Code } from "@connectrpc/connect";

/** How an open stream went: the numbers it delivered, and how and when it ended. */
export interface Followed {
  got: number[];
  /** Resolves with the first message (or the end, if the stream fails at once). */
  opened: Promise<void>;
  ended: Promise<{ code: Code | undefined; message: string; at: number }>;
  /** Resolves once `n` was delivered. */
  delivered(n: number): Promise<void>;
  close(): void;
}

/**
 * Reads a server stream in the background (for tests), recording the number `numberOf` reads
 * from each message, and how and when the stream ended.
 */
export function follow<T>(
  open: (signal: AbortSignal) => AsyncIterable<T>,
  numberOf: (m: T) => number,
): Followed {
  const ac = new AbortController();
  const got: number[] = [];
  const waiters: Array<() => void> = [];
  let opened = () => {};
  const openedP = new Promise<void>((r) => (opened = r));
  const ended = (async () => {
    try {
      for await (const m of open(ac.signal)) {
        got.push(numberOf(m));
        opened();
        for (const w of waiters.splice(0)) w();
      }
      return { code: undefined, message: "", at: Date.now() };
    } catch (err) {
      const e = ConnectError.from(err);
      return { code: e.code, message: e.rawMessage, at: Date.now() };
    } finally {
      opened();
      for (const w of waiters.splice(0)) w();
    }
  })();
  return {
    got,
    opened: openedP,
    ended,
    async delivered(n) {
      while (!got.includes(n)) {
        const over = await Promise.race([
          new Promise<false>((r) => waiters.push(() => r(false))),
          ended.then(() => true),
        ]);
        if (over && !got.includes(n)) {
          const end = await ended;
          throw new Error(`the stream ended (${end.code}: ${end.message}) before delivering ${n}`);
        }
      }
    },
    close: () => ac.abort(),
  };
}

/** Rejects when `p` does not settle within `ms` (a bound on the test, not a measurement). */
export async function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
