import { Code, ConnectError } from "@connectrpc/connect";
import type { AccessEpoch } from "./access-epoch.js";

/** What {@link guardStream} needs to know about one open stream. */
export interface StreamAccess {
  /**
   * Authenticates and authorizes the call again from the database (no cache); throws the
   * ConnectError (Unauthenticated or PermissionDenied) that ends the stream when access is
   * gone. Resolves with the credentials' current expiry, if they have one. `epoch` is the
   * access epoch read before the re-check started.
   */
  recheck(epoch: bigint): Promise<Date | undefined>;
  /** When the call's credentials expire (token `exp`, API key expiry), if they do. */
  expiresAt?: Date;
  /** Told once when a re-check takes access away (not on expiry or a database failure). */
  onDenied?(err: ConnectError): void;
}

/** The longest delay setTimeout accepts. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * How many messages a stream reads ahead of its client while an epoch read runs. Past it the
 * handler's own buffer fills, and a stream that stays that far behind is ended there as a
 * slow consumer.
 */
export const maxReadAhead = 256;

const ignore = () => {};

function expired(): ConnectError {
  return new ConnectError(
    "the credentials of this stream have expired; re-open it from its last revision with fresh credentials",
    Code.Unauthenticated,
  );
}

function asConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  return new ConnectError(
    "cannot re-check the credentials of this stream now; re-open it from its last revision",
    Code.Unavailable,
    undefined,
    undefined,
    err,
  );
}

/**
 * Passes a server stream's messages on while its caller keeps access, and ends it with
 * Unauthenticated or PermissionDenied once access is gone.
 *
 * Every message is held until the access epoch has been read by a query that started after
 * the message was produced; when that epoch is newer than the one the stream was last
 * authorized at, the caller is re-authorized from the database before the message leaves.
 * A revocation commits (with its epoch bump) before any event committed after it can be
 * produced, so no such event is ever delivered (an epoch heard in step with commits counts
 * as read after the message; see `heardInStep` in access-epoch.ts). Messages are read ahead
 * of the client (at most {@link maxReadAhead}), and one epoch read admits every message that
 * arrived before it started: a busy stream waits for one query per batch, not one per
 * message, so its rate is not bound by the queries' (one per `gapMs` at most). The stream is
 * also re-authorized from the database as soon as it opens; between messages, the shared
 * poll of the epoch re-authorizes idle streams, and a timer ends the stream when its
 * credentials expire.
 */
export function guardStream<T>(
  source: AsyncIterable<T>,
  epoch: AccessEpoch,
  access: StreamAccess,
): AsyncIterable<T> {
  let lostErr: ConnectError | undefined;
  // Wakes the stream from what it waits for now (a message, an epoch read, or the end).
  // Each wait is a promise of its own: a race against one promise kept for the stream's
  // life would add a reaction to it per message, held until the stream ends.
  let wake: () => void = ignore;
  const wakeUp = () => {
    const w = wake;
    wake = ignore;
    w();
  };
  const end = (err: ConnectError) => {
    lostErr ??= err;
    wakeUp();
  };

  // The credentials' expiry may move (an API key's new expiry or rotation grace period), so
  // every re-authorization re-arms the timer.
  let expiresAt = access.expiresAt;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const arm = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!expiresAt || closed) return;
    const left = expiresAt.getTime() - Date.now();
    timer = setTimeout(
      () => (left > maxTimerMs ? arm() : end(expired())),
      Math.min(Math.max(left, 0), maxTimerMs),
    );
    timer.unref();
  };

  // The epoch the caller was last authorized at; unset until the first re-authorization.
  let verified: bigint | undefined;
  let checking: { epoch: bigint; done: Promise<void> } | undefined;
  const verify = (at: bigint): Promise<void> => {
    if (verified !== undefined && at <= verified) return Promise.resolve();
    if (checking && checking.epoch >= at) return checking.done;
    const done = access.recheck(at).then(
      (expiry) => {
        if (verified === undefined || at > verified) verified = at;
        expiresAt = expiry;
        arm();
      },
      (err: unknown) => {
        const e = asConnectError(err);
        const denied = e.code === Code.PermissionDenied || e.code === Code.Unauthenticated;
        if (denied && !lostErr && !closed) access.onDenied?.(e);
        end(e);
        throw e;
      },
    );
    checking = { epoch: at, done };
    return done;
  };

  const admit = async (): Promise<void> => {
    let at: bigint;
    try {
      at = await epoch.read();
    } catch (err) {
      throw asConnectError(err);
    }
    await verify(at);
    if (expiresAt && Date.now() >= expiresAt.getTime()) throw expired();
  };

  return {
    async *[Symbol.asyncIterator]() {
      const it = source[Symbol.asyncIterator]();
      const unsubscribe = epoch.subscribe((at) => {
        verify(at).catch(() => {});
      });
      arm();
      // The check at open may have used cached accounts: confirm it from the database now,
      // not only at the first message (which may be a long way off on a quiet stream).
      admit().catch((err: unknown) => end(asConnectError(err)));
      // Messages taken from the source and not yet admitted, and the source's end.
      const waiting: T[] = [];
      let ended = false;
      let failed = false;
      let failure: unknown;
      // Whether a next() is in flight; its outcome lands in `waiting` (or ends the source).
      let pulling = false;
      const pulled = (r: IteratorResult<T>) => {
        pulling = false;
        if (r.done) ended = true;
        else waiting.push(r.value);
        wakeUp();
      };
      const pullFailed = (err: unknown) => {
        pulling = false;
        ended = failed = true;
        failure = err;
        wakeUp();
      };
      const pull = () => {
        if (pulling || ended) return;
        pulling = true;
        it.next().then(pulled, pullFailed);
      };
      const woken = () => new Promise<void>((resolve) => (wake = resolve));
      try {
        for (;;) {
          while (waiting.length === 0) {
            if (lostErr) throw lostErr;
            if (failed) throw failure;
            if (ended) return;
            pull();
            await woken();
          }
          if (lostErr) throw lostErr;
          // Every message of the batch arrived before this read's query starts.
          const batch = waiting.splice(0);
          const heard = epoch.known?.();
          const fresh =
            heard !== undefined &&
            verified !== undefined &&
            heard <= verified &&
            !(expiresAt && Date.now() >= expiresAt.getTime());
          if (!fresh) {
            let admitted = false;
            let refused: unknown;
            admit().then(
              () => {
                admitted = true;
                wakeUp();
              },
              (err: unknown) => {
                admitted = true;
                refused = err;
                wakeUp();
              },
            );
            // Messages that arrive meanwhile wait for the next read: this one has started.
            while (!admitted && !lostErr) {
              if (waiting.length < maxReadAhead) pull();
              await woken();
            }
            if (lostErr) throw lostErr;
            if (refused !== undefined) throw asConnectError(refused);
          }
          for (const message of batch) {
            yield message;
            if (lostErr) throw lostErr;
          }
        }
      } finally {
        closed = true;
        unsubscribe();
        clearTimeout(timer);
        // The handler is told through its aborted context; its generator may still be busy.
        it.return?.().catch(() => {});
      }
    },
  };
}
