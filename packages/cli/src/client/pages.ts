import { createProgress } from "./progress.js";

/** One page of a list RPC: its items and the token of the next page ("" at the end). */
export interface Page<T> {
  items: T[];
  next: string;
}

/**
 * Reads every page of a list RPC, in order, and returns the items of all of them; with
 * `limit`, stops once that many items were read and returns exactly that many at most.
 * While more than one page is read, a terminal shows how many items have arrived.
 */
export async function allPages<T>(
  fetch: (pageToken: string, pageSize: number) => Promise<Page<T>>,
  limit = Infinity,
): Promise<T[]> {
  const items: T[] = [];
  const progress = createProgress();
  let pageToken = "";
  try {
    do {
      const page = await fetch(pageToken, Math.min(1000, limit - items.length));
      items.push(...page.items);
      pageToken = page.next;
      if (pageToken) progress.update(`read ${items.length} so far...`);
    } while (pageToken && items.length < limit);
  } finally {
    progress.done();
  }
  return items.slice(0, limit);
}
