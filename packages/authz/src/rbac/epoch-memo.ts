/**
 * Shares work between open streams that re-check the same credentials at the same access
 * epoch: the first caller starts it, the others at that epoch await the same promise. Sound
 * because the work started after the epoch was read, so it sees every change numbered up to
 * that epoch, which is all any later reader of the same epoch needs.
 */
export interface EpochMemo<T> {
  /** Returns the result of `run` for `key` at `epoch`, starting it only once. */
  get(epoch: bigint, key: string, run: () => Promise<T>): Promise<T>;
}

/** Creates an {@link EpochMemo}; it keeps only the newest epoch's entries. */
export function createEpochMemo<T>(): EpochMemo<T> {
  let current: bigint | undefined;
  let entries = new Map<string, Promise<T>>();
  return {
    get(epoch, key, run) {
      if (current === undefined || epoch > current) {
        current = epoch;
        entries = new Map();
      } else if (epoch < current) {
        return run();
      }
      let p = entries.get(key);
      if (!p) {
        p = run();
        entries.set(key, p);
        // A failure is not shared with later streams: the next one tries again.
        const mine = p;
        p.catch(() => {
          if (entries.get(key) === mine) entries.delete(key);
        });
      }
      return p;
    },
  };
}
