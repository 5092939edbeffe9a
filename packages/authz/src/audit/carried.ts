import { createContextKey } from "@connectrpc/connect";
import type { Queryable } from "@guardian/db";
import { recordAuditEvents, type AuditEventInit } from "../sql/audit-log.js";

/**
 * The audit event of a mutation whose change commits in a transaction of the same database as
 * the audit log (the SQL store engine hosted beside the config service). That transaction
 * writes the event, settled as 'ok' with the revision the change made, together with the
 * change: both are stored or neither is, so the event needs no 'pending' row first and no
 * settlement after. The mutation's audit wrapper (`auditMutations`) puts it in the call's
 * context values; the store's write path writes it and marks it written once its
 * transaction committed.
 */
export interface CarriedAudit {
  /** The event as it is stored with the change ('ok'); the writer adds the revision. */
  readonly event: AuditEventInit;
  /** True once the transaction that holds the event committed. */
  written: boolean;
}

/** The carried audit event of the running mutation, if its audit rides on its change. */
export const carriedAuditKey = createContextKey<CarriedAudit | undefined>(undefined, {
  description: "the audit event a mutation's own transaction writes",
});

/** What a client is told when the audit event of a mutation cannot be written. */
export const auditUnwritableMessage =
  "the audit log cannot be written, so nothing was changed; retry later";

/**
 * Writes the carried events of the changes of one transaction, each with the revision its
 * change made, in one statement on the transaction's client `db`. Mark each `written` only
 * after the transaction committed.
 */
export async function writeCarriedAudits(
  db: Queryable,
  changes: readonly { audit: CarriedAudit; revision: bigint }[],
): Promise<void> {
  if (changes.length === 0) return;
  await recordAuditEvents(
    db,
    changes.map(({ audit, revision }) => ({
      ...audit.event,
      detail: { ...audit.event.detail, revision: revision.toString() },
    })),
  );
}
