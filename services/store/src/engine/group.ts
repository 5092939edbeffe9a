/** The outcome of one item of a group: its value, or the error that failed it alone. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

/** Options of {@link createGroupQueue}. */
export interface GroupQueueOptions<I, O> {
  /**
   * Commits one group, in arrival order, and settles each item. A throw fails every item of
   * the group with that error.
   */
  commit(items: I[]): Promise<Settled<O>[]>;
  /** Most items in one group. */
  maxItems: number;
  /** Most bytes (by `sizeOf`) in one group; a group always takes at least one item. */
  maxBytes?: number;
  sizeOf?(item: I): number;
}

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Creates a group-commit queue. An item that arrives while no group is committing starts a
 * group of its own at once; items that arrive while a group commits wait and then commit
 * together as the next group, in arrival order. So a lone item pays no extra latency, and
 * under load every commit carries every item that queued up during the previous one.
 */
export function createGroupQueue<I, O>(opts: GroupQueueOptions<I, O>): (item: I) => Promise<O> {
  const queue: Waiting<I, O>[] = [];
  let running = false;

  function takeGroup(): Waiting<I, O>[] {
    let bytes = 0;
    let n = 0;
    while (n < queue.length && n < opts.maxItems) {
      bytes += opts.sizeOf?.(queue[n]!.item) ?? 0;
      if (n > 0 && bytes > (opts.maxBytes ?? Infinity)) break;
      n++;
    }
    return queue.splice(0, n);
  }

  async function run(): Promise<void> {
    running = true;
    try {
      while (queue.length > 0) {
        const group = takeGroup();
        try {
          const outcomes = await opts.commit(group.map((w) => w.item));
          group.forEach((w, i) => {
            const o = outcomes[i];
            if (!o) w.reject(new Error("the group commit settled fewer items than it was given"));
            else if (o.ok) w.resolve(o.value);
            else w.reject(o.error);
          });
        } catch (err) {
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      running = false;
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!running) void run();
    });
}
