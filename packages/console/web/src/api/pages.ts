/** Reads every page of a paged list RPC (`page_token` / `next_page_token`), up to `max` items. */
export async function allPages<T>(
  fetch: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>,
  max = 10_000,
): Promise<T[]> {
  const out: T[] = [];
  let token = "";
  do {
    const page = await fetch(token);
    out.push(...page.items);
    token = page.nextPageToken;
  } while (token !== "" && out.length < max);
  return out;
}
