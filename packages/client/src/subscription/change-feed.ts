import type { ConnectError } from "@connectrpc/connect";
import type { ConfigChange } from "./types.js";

/** Hands changes to listeners and to async iterators, each with its own queue. */
export interface ChangeFeed extends AsyncIterable<ConfigChange> {
  publish(change: ConfigChange): void;
  listen(listener: (change: ConfigChange) => void): () => void;
  /** Ends every iterator: normally, or by throwing `error`. */
  end(error?: ConnectError): void;
}

interface Reader {
  queue: ConfigChange[];
  wake?: () => void;
}

/**
 * Creates a change feed. An iterator sees the changes published after it started, in order;
 * its queue is unbounded, so a consumer that stops reading should end its loop.
 */
export function createChangeFeed(onListenerError: (err: unknown) => void = () => {}): ChangeFeed {
  const listeners = new Set<(change: ConfigChange) => void>();
  const readers = new Set<Reader>();
  let ended: { error?: ConnectError } | undefined;

  return {
    publish(change) {
      for (const r of readers) {
        r.queue.push(change);
        r.wake?.();
      }
      for (const l of listeners) {
        try {
          l(change);
        } catch (err) {
          onListenerError(err);
        }
      }
    },
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    end(error) {
      ended ??= { error };
      listeners.clear();
      for (const r of readers) r.wake?.();
    },
    [Symbol.asyncIterator](): AsyncIterator<ConfigChange> {
      const reader: Reader = { queue: [] };
      readers.add(reader);
      const finish = (): IteratorResult<ConfigChange> => {
        readers.delete(reader);
        return { done: true, value: undefined };
      };
      return {
        async next() {
          for (;;) {
            const change = reader.queue.shift();
            if (change) return { done: false, value: change };
            if (ended) {
              readers.delete(reader);
              if (ended.error) throw ended.error;
              return finish();
            }
            await new Promise<void>((resolve) => (reader.wake = resolve));
            reader.wake = undefined;
          }
        },
        async return() {
          return finish();
        },
      };
    },
  };
}
