/** The outcome of one item of a batch: its value, or the error that item alone failed with. */
export type ItemOutcome<Out> = { value: Out } | { error: unknown };

/** Gathers concurrent requests into batches that one call serves. */
export interface Batcher<In, Out> {
  /** Queues one item; resolves with its own outcome once the batch holding it ran. */
  add(item: In): Promise<Out>;
}

/**
 * Creates a batcher over `run`, which serves a whole batch at once (for example one
 * multi-row statement). Items queue while a batch runs; the next batch starts as soon as the
 * running one ends, or on the next turn of the event loop when none runs, so that a lone call
 * waits for no timer and concurrent calls share one round trip. At most one batch runs at a
 * time, of at most `maxItems`. When `run` throws, every item of its batch fails with that
 * error; otherwise each item gets its own outcome.
 */
export function createBatcher<In, Out>(
  run: (items: In[]) => Promise<ItemOutcome<Out>[]>,
  opts: { maxItems: number },
): Batcher<In, Out> {
  type Waiter = { item: In; resolve(out: Out): void; reject(err: unknown): void };
  let queue: Waiter[] = [];
  let busy = false;

  const flush = async () => {
    const batch = queue.slice(0, opts.maxItems);
    queue = queue.slice(batch.length);
    try {
      const outcomes = await run(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        const outcome = outcomes[i];
        if (outcome && "value" in outcome) w.resolve(outcome.value);
        else w.reject(outcome?.error ?? new Error("a batch returned fewer outcomes than items"));
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
    if (queue.length > 0) void flush();
    else busy = false;
  };

  return {
    add(item) {
      return new Promise<Out>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (busy) return;
        busy = true;
        setImmediate(() => void flush());
      });
    },
  };
}

/**
 * Runs a batch, and when the batch as a whole fails because of one of its items (`byItem`
 * says so of the error), runs each of its items alone, so that one bad item fails only itself
 * and the others still succeed. Any other failure (the database is unreachable) fails every
 * item at once, without trying each.
 */
export async function eachAloneOnFailure<In, Out>(
  items: In[],
  many: (items: In[]) => Promise<Out[]>,
  byItem: (err: unknown) => boolean,
): Promise<ItemOutcome<Out>[]> {
  try {
    return (await many(items)).map((value) => ({ value }));
  } catch (err) {
    if (items.length === 1 || !byItem(err)) return items.map(() => ({ error: err }));
    return Promise.all(
      items.map((item) =>
        many([item]).then(
          ([value]) => ({ value: value! }),
          (error: unknown) => ({ error }),
        ),
      ),
    );
  }
}
