/**
 * One operation of a recorded concurrent history: what a client asked, what it was told,
 * and when it asked and heard back.
 */
export interface Operation<I, O> {
  /** Unique within the history. */
  readonly id: number;
  /** The client that ran it; one client runs one operation at a time. */
  readonly client: number;
  /** The independent object it acts on (for a config service: the config key). */
  readonly partition: string;
  readonly input: I;
  /**
   * What the client was told, or undefined when the outcome is unknown (a timeout,
   * Unavailable, a reset connection): the operation may have taken effect at any moment after
   * its invocation, or never.
   */
  readonly output: O | undefined;
  /** Invocation time, on any clock that orders all events of the history. */
  readonly call: number;
  /** Response time; Infinity when the outcome is unknown. */
  readonly ret: number;
}

/** A pending operation of a {@link HistoryRecorder}; settle it once. */
export interface PendingOperation<O> {
  /** Records the response the client received. */
  ok(output: O): void;
  /** Records that the outcome is unknown (the operation may or may not have happened). */
  unknown(): void;
  /** Drops the operation: it failed in a way that proves it had no effect. */
  discard(): void;
}

/** Collects the operations of concurrent clients, ordered by one logical clock. */
export interface HistoryRecorder<I, O> {
  /** Records an invocation now; settle the returned handle when the response arrives. */
  invoke(client: number, partition: string, input: I): PendingOperation<O>;
  /** The operations recorded so far; those not yet settled count as unknown. */
  operations(): Operation<I, O>[];
}

/**
 * Creates a recorder whose clock is a counter bumped at every invocation and response, so
 * events recorded by one process are totally ordered as they happened, without ties.
 */
export function createHistoryRecorder<I, O>(): HistoryRecorder<I, O> {
  let clock = 0;
  let nextId = 0;
  const ops = new Map<number, Operation<I, O>>();
  return {
    invoke(client, partition, input) {
      const op: Operation<I, O> = {
        id: nextId++,
        client,
        partition,
        input,
        output: undefined,
        call: clock++,
        ret: Infinity,
      };
      ops.set(op.id, op);
      let settled = false;
      const settle = (change: () => void): void => {
        if (settled) throw new Error(`operation ${op.id} was settled twice`);
        settled = true;
        change();
      };
      return {
        ok: (output) => settle(() => ops.set(op.id, { ...op, output, ret: clock++ })),
        unknown: () => settle(() => undefined),
        discard: () => settle(() => ops.delete(op.id)),
      };
    },
    operations: () => [...ops.values()],
  };
}
