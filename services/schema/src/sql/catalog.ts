import type { Queryable } from "@guardian/db";

/**
 * The channel on which triggers on `projects` and `schemas` announce changes (migration
 * 0012). Each payload is JSON: `{"project": "...", "schema": "..."}`, the schema left out
 * when the whole project changed.
 */
export const catalogChannel = "guardian_catalog";

/** Subscribes a dedicated connection to the catalog channel. */
export async function listenCatalog(db: Queryable): Promise<void> {
  await db.query(`LISTEN ${catalogChannel}`);
}

/** One round trip on the listening connection, to learn that it still works. */
export async function checkListener(db: Queryable): Promise<void> {
  await db.query("SELECT 1");
}
