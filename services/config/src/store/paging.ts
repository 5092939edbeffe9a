import { definePaging, type PagedRequest, type PagingContext } from "@guardian/kit";

// A page of a list the store pages continues at the store's own (signed) page token `s`.
const paging = definePaging({ s: "text" });

/**
 * The store page token a client's page token continues at: undefined for the first page.
 * A token this service did not issue for this request is InvalidArgument naming page_token.
 */
export function storePageToken(ctx: PagingContext, req: PagedRequest): string | undefined {
  return paging.read(ctx, req)?.s;
}

/** The client's page token for the page at the store's `storeToken` ("" when none follows). */
export function nextPageToken(ctx: PagingContext, req: PagedRequest, storeToken: string): string {
  return paging.next(ctx, req, storeToken === "" ? undefined : { s: storeToken });
}
