/** One page of a list RPC: its items and the token of the next page ("" at the end). */
export interface Page<T> {
  items: T[];
  next: string;
}

/**
 * Reads every page of a list RPC, in order, and returns the items of all of them; with
 * `limit`, stops once that many items were read and returns exactly that many at most.
 */
export async function allPages<T>(
  fetch: (pageToken: string, pageSize: number) => Promise<Page<T>>,
  limit = Infinity,
): Promise<T[]> {
  const items: T[] = [];
  let pageToken = "";
  do {
    const page = await fetch(pageToken, Math.min(1000, limit - items.length));
    items.push(...page.items);
    pageToken = page.next;
  } while (pageToken && items.length < limit);
  return items.slice(0, limit);
}
