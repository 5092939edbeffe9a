import type pg from "pg";
import { accessChannel } from "../sql/access-epoch.js";
import type { AccessChangesFeed } from "./access-changes.js";

/** Parses a notification's payload: the access epoch, or undefined when it is not one. */
export function epochOf(payload: string | undefined): bigint | undefined {
  return payload !== undefined && /^[0-9]{1,19}$/.test(payload) ? BigInt(payload) : undefined;
}

/** Reports a notification on the access channel to `feed`. */
export function hearNotification(feed: AccessChangesFeed, msg: pg.Notification): void {
  if (msg.channel !== accessChannel) return;
  const epoch = epochOf(msg.payload);
  // A payload that is not an epoch still announces a change.
  if (epoch === undefined) feed.changed();
  else feed.heard(epoch);
}
