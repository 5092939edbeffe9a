import { useCallback, useEffect, useRef, useState } from "react";
import { describeError } from "../api/errors.js";

/** The state of data loaded by {@link useCall}. */
export interface CallState<T> {
  readonly data: T | undefined;
  /** The error of the last load, as a readable line. */
  readonly error: string | undefined;
  readonly loading: boolean;
  /** Loads again (after a change the page made). */
  reload(): void;
}

/**
 * Runs `load` when the component mounts and whenever `load` changes (make it with
 * `useCallback`, listing what it reads), keeping only the newest answer: an older call that
 * settles late is ignored.
 */
export function useCall<T>(load: () => Promise<T>): CallState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const mine = ++latest.current;
    setLoading(true);
    load().then(
      (value) => {
        if (mine !== latest.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== latest.current) return;
        setError(describeError(err));
        setLoading(false);
      },
    );
  }, [load, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data, error, loading, reload };
}
