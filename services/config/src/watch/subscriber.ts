import { create } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { LimitExceededSchema, type ChangeEventSchema, type WatchResponse } from "@guardian/api";

/** One change as the hub shares it: converted at most once, sent to every stream it matches. */
export interface HubEvent {
  revision: bigint;
  project: string;
  key: string;
  /** Bytes of the config's content, counted against the hub's cache. */
  size: number;
  /**
   * The change as a message for streams with a JSON codec, converted on first use (its
   * content in the "text" form, which only a JSON codec can write).
   */
  change(): MessageInitShape<typeof ChangeEventSchema>;
  /** The change as a response encoded once, for streams with a binary codec. */
  encoded(): WatchResponse;
}

/** Which configs a client stream follows: one key, or a prefix ("" is the whole project). */
export interface HubScope {
  project: string;
  key: string;
  prefix: string;
}

/** Whether `ev` belongs to `scope`. */
export function inHubScope(scope: HubScope, ev: HubEvent): boolean {
  if (ev.project !== scope.project) return false;
  return scope.key ? ev.key === scope.key : ev.key.startsWith(scope.prefix);
}

/** Why the hub stopped serving a stream: the stream carries on without it from `next`. */
export interface HubLost {
  kind: "lost";
}

/** One client stream's bounded queue, filled by the hub. */
export interface Subscriber {
  readonly scope: HubScope;
  /** The lowest revision this stream still wants. */
  readonly from: bigint;
  push(ev: HubEvent): void;
  /** The revision of the oldest event waiting in the queue, if any. */
  waiting(): bigint | undefined;
  /** Releases the subscriber's timer and abort listener. */
  dispose(): void;
  /** Ends the stream with `err`, or hands it back to its caller when `err` is "lost". */
  fail(err: ConnectError | HubLost): void;
  /**
   * Waits for the next event; "idle" after `idleMs` (that of the first wait) without one, a
   * HubLost when handed back.
   */
  next(signal: AbortSignal, idleMs: number): Promise<HubEvent | HubLost | "idle">;
}

/**
 * Creates a subscriber that holds at most `bufferSize` events: one that falls further behind
 * is ended with ResourceExhausted, so a slow consumer never stalls the others.
 */
export function createSubscriber(scope: HubScope, from: bigint, bufferSize: number): Subscriber {
  const queue: HubEvent[] = [];
  let head = 0;
  let failed: ConnectError | HubLost | undefined;
  let waiter: ((woke: boolean) => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let listening: AbortSignal | undefined;
  const wakeUp = (woke: boolean) => {
    const w = waiter;
    waiter = undefined;
    w?.(woke);
  };
  const onAbort = () => wakeUp(true);
  return {
    scope,
    from,
    push(ev) {
      if (failed) return;
      if (queue.length - head >= bufferSize) {
        const detail = create(LimitExceededSchema, {
          limit: "watch_buffer_events",
          max: BigInt(bufferSize),
        });
        failed = new ConnectError(
          `watcher fell more than ${bufferSize} events behind; resume from the last revision received`,
          Code.ResourceExhausted,
          undefined,
          [{ desc: LimitExceededSchema, value: detail }],
        );
        queue.length = 0;
        head = 0;
      } else {
        queue.push(ev);
      }
      wakeUp(true);
    },
    waiting: () => queue[head]?.revision,
    dispose() {
      clearTimeout(timer);
      listening?.removeEventListener("abort", onAbort);
      wakeUp(true);
    },
    fail(err) {
      failed ??= err;
      wakeUp(true);
    },
    async next(signal, idleMs) {
      for (;;) {
        if (head < queue.length) {
          const ev = queue[head++]!;
          if (head === queue.length) {
            queue.length = 0;
            head = 0;
          }
          return ev;
        }
        if (failed instanceof ConnectError) throw failed;
        if (failed) return failed;
        if (signal.aborted) throw signal.reason;
        // One timer and one abort listener serve every wait of the stream: re-arming them
        // per event would cost each of many streams a timer and a listener per change.
        if (listening !== signal) {
          listening?.removeEventListener("abort", onAbort);
          signal.addEventListener("abort", onAbort, { once: true });
          listening = signal;
        }
        if (timer) timer.refresh();
        else timer = setTimeout(() => wakeUp(false), idleMs);
        const woke = await new Promise<boolean>((resolve) => (waiter = resolve));
        if (!woke) return "idle";
      }
    },
  };
}
