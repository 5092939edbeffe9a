/**
 * What a process knows about changes that can take access away (the access epoch moving):
 * whether it hears them now, and a generation that moves with each one. Caches of
 * credentials, accounts and role bindings answer only while {@link AccessChanges.live} and
 * keep a result only when the generation did not move while it was loaded.
 */
export interface AccessChanges {
  /**
   * Whether every change committed anywhere reaches this process now. While false, caches
   * are bypassed: every call reads PostgreSQL.
   */
  live(): boolean;
  /** A counter that moves on every change heard and whenever contact is lost or regained. */
  generation(): number;
  /** Reports a change that can take access away, committed by this process. */
  changed(): void;
  /**
   * Calls `listener` after each move of the generation, with the access epoch when the
   * change announced one. Returns the unsubscribe function.
   */
  subscribe(listener: (epoch: bigint | undefined) => void): () => void;
}

/** The side of {@link AccessChanges} that the listeners feeding it drive. */
export interface AccessChangesFeed extends AccessChanges {
  /** A notification announced `epoch`; one already heard (from another connection) is ignored. */
  heard(epoch: bigint): void;
  /** Listening (again), at `epoch`: anything may have changed while nobody listened. */
  connected(epoch?: bigint): void;
  /** Listening stopped: changes may go unheard until {@link AccessChangesFeed.connected}. */
  disconnected(): void;
}

/** Creates the process's {@link AccessChangesFeed}; it is not live until told it is connected. */
export function createAccessChanges(): AccessChangesFeed {
  let live = false;
  let generation = 0;
  // The newest epoch heard; each notification can reach several connections of the process.
  let newest: bigint | undefined;
  const listeners = new Set<(epoch: bigint | undefined) => void>();
  const move = (epoch: bigint | undefined) => {
    generation++;
    for (const l of [...listeners]) l(epoch);
  };
  return {
    live: () => live,
    generation: () => generation,
    changed: () => move(undefined),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    heard(epoch) {
      // Epochs are announced in commit order, so one not newer than the newest heard was
      // already covered: dropping what was cached at the newer one dropped it too.
      if (newest !== undefined && epoch <= newest) return;
      newest = epoch;
      move(epoch);
    },
    connected(epoch) {
      newest = epoch;
      live = true;
      move(epoch);
    },
    disconnected() {
      if (!live) return;
      live = false;
      move(undefined);
    },
  };
}
