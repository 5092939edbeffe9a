import type { AuditEvent } from "@guardian/api";
import { useCallback, useEffect, useRef, useState } from "react";
import { describeError } from "../api/errors.js";

/** One page of audit events and the token of the next one ("" at the end). */
export interface EventPage {
  readonly events: AuditEvent[];
  readonly nextPageToken: string;
}

/** The events loaded so far for one filter, and how to load the next page. */
export interface EventPages {
  readonly events: AuditEvent[];
  readonly more: boolean;
  readonly loading: boolean;
  readonly error: string | undefined;
  loadMore(): void;
}

/**
 * Loads audit events page by page: the first page whenever `fetchPage` changes (a new
 * filter; make it with `useCallback`), the next one on `loadMore`, with the page token of the
 * last. An answer that arrives after the filter changed is dropped.
 */
export function useEventPages(fetchPage: (pageToken: string) => Promise<EventPage>): EventPages {
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [token, setToken] = useState("");
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const generation = useRef(0);
  const run = useCallback(
    (pageToken: string, mine: number) => {
      setLoading(true);
      fetchPage(pageToken).then(
        (page) => {
          if (mine !== generation.current) return;
          setEvents((seen) => (pageToken === "" ? page.events : [...seen, ...page.events]));
          setToken(page.nextPageToken);
          setError(undefined);
          setLoading(false);
        },
        (err: unknown) => {
          if (mine !== generation.current) return;
          setError(describeError(err));
          setLoading(false);
        },
      );
    },
    [fetchPage],
  );
  useEffect(() => {
    const mine = ++generation.current;
    setEvents([]);
    setToken("");
    run("", mine);
  }, [run]);
  const loadMore = useCallback(() => {
    if (token !== "") run(token, generation.current);
  }, [run, token]);
  return { events, more: token !== "", loading, error, loadMore };
}
