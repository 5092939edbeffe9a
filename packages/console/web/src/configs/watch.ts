import { Code, ConnectError } from "@connectrpc/connect";
import type { ChangeEvent, Config } from "@guardian/api";
import type { Clients } from "../api/clients.js";
import { createRetryBackoff, delay } from "./backoff.js";

/** Whether a live view is following changes, or waiting to re-open its stream. */
export type LiveState = "live" | "reconnecting";

/** What a watch follows: one key, a key prefix, or the whole project. */
export type WatchTarget = { case: "key"; value: string } | { case: "prefix"; value: string };

/** What {@link followChanges} reports. */
export interface WatchHandlers {
  /** A committed change. */
  onChange(event: ChangeEvent): void;
  /**
   * The changes since the last revision seen could not be replayed: this is the whole state of
   * the watched range at `revision` (configs absent from it are gone).
   */
  onSnapshot(configs: Config[], revision: bigint): void;
  onState(state: LiveState): void;
  /** A refusal that retrying cannot fix; the watch stops. */
  onFatal(err: ConnectError): void;
}

/** Errors that re-opening cannot fix. */
const fatal = new Set([Code.PermissionDenied, Code.NotFound, Code.InvalidArgument]);

/**
 * Follows ConfigService/Watch from just after `after` (the revision the caller's view reflects)
 * until `signal` aborts. A stream that breaks or ends is re-opened with backoff from the last
 * revision seen (a change or a bookmark), so nothing is missed; a Resync's snapshot replaces
 * the view.
 */
export async function followChanges(
  clients: Clients,
  project: string,
  target: WatchTarget,
  after: bigint,
  handlers: WatchHandlers,
  signal: AbortSignal,
): Promise<void> {
  const backoff = createRetryBackoff();
  let revision = after;
  while (!signal.aborted) {
    let snapshot: Config[] | undefined;
    try {
      const stream = clients.config.watch(
        {
          project,
          target,
          startRevision: revision + 1n,
          bookmarkInterval: { seconds: 15n },
        },
        { signal, onHeader: () => handlers.onState("live") },
      );
      for await (const msg of stream) {
        backoff.reset();
        switch (msg.kind.case) {
          case "change":
            revision = msg.kind.value.revision;
            handlers.onChange(msg.kind.value);
            break;
          case "bookmark":
            revision = msg.kind.value.revision;
            break;
          case "resync":
            snapshot = [];
            break;
          case "snapshot": {
            snapshot = [...(snapshot ?? []), ...msg.kind.value.configs];
            if (msg.kind.value.last) {
              revision = msg.kind.value.revision;
              handlers.onSnapshot(snapshot, revision);
              snapshot = undefined;
            }
            break;
          }
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      const e = ConnectError.from(err);
      if (fatal.has(e.code)) {
        handlers.onFatal(e);
        return;
      }
    }
    if (signal.aborted) return;
    handlers.onState("reconnecting");
    await delay(backoff.next(), signal);
  }
}
