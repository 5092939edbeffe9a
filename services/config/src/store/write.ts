import type { HandlerContext, Client } from "@connectrpc/connect";
import { ChangeType, WriteOp, type StoreService, type WriteResponse } from "@guardian/api";
import { principalOf, requestIdKey } from "@guardian/kit";
import { idempotencyKeyReused } from "../error-map.js";

/** One config write, as the config service hands it to the store. */
export interface ConfigWrite {
  project: string;
  key: string;
  op: "put" | "delete";
  /** For puts: the UTF-8 JSON document, already validated. */
  value?: Uint8Array;
  /** The client's expected_version, passed on unchanged. */
  expectedVersion?: bigint;
  /** The write presumes the config exists: the store refuses it (NotFound) if it does not. */
  mustExist?: boolean;
  /** The client's idempotency key ("" for none). */
  idempotencyKey: string;
  message: string;
  /** For puts: the schema binding after the write and the version it was validated against. */
  binding?: { schema: string; schemaVersion: number; validatedSchemaVersion: number };
  labels?: Record<string, string>;
  /** For rollbacks: the revision whose state is restored. */
  rolledBackFrom?: bigint;
  /**
   * Which recorded fields the request itself decides (rather than the config's state). On an
   * idempotent replay they must match, or the key was reused for a different request.
   */
  decides: { binding?: boolean; labels?: boolean };
}

/**
 * Runs one config write through the store with the caller's identity, request id, message,
 * schema binding, labels and change type. An idempotent replay is checked against the fields
 * the request decides: the store compares only the value and the expected version.
 */
export async function writeConfig(
  store: Client<typeof StoreService>,
  ctx: HandlerContext,
  w: ConfigWrite,
): Promise<WriteResponse> {
  const rollback = w.rolledBackFrom !== undefined;
  const labels = w.labels ?? {};
  const res = await store.write(
    {
      project: w.project,
      key: w.key,
      op: w.op === "delete" ? WriteOp.DELETE : WriteOp.PUT,
      value: w.value,
      expectedVersion: w.expectedVersion,
      mustExist: w.mustExist ?? false,
      // The store scopes idempotency keys to the config (project + key).
      idempotencyKey: w.idempotencyKey,
      meta: {
        author: principalOf(ctx).name,
        message: w.message,
        requestId: ctx.values.get(requestIdKey),
        schema: w.binding?.schema ?? "",
        schemaVersion: w.binding?.schemaVersion ?? 0,
        validatedSchemaVersion: w.binding?.validatedSchemaVersion ?? 0,
        labels,
        changeType: rollback ? ChangeType.ROLLBACK : ChangeType.UNSPECIFIED,
        rolledBackFrom: w.rolledBackFrom ?? 0n,
      },
    },
    // The context values carry the call's audit event to a store in this process.
    { signal: ctx.signal, contextValues: ctx.values },
  );
  if (res.idempotentReplay) {
    const meta = res.kv?.meta;
    const same =
      meta !== undefined &&
      meta.message === w.message &&
      meta.rolledBackFrom === (w.rolledBackFrom ?? 0n) &&
      (!w.decides.binding ||
        (meta.schema === w.binding?.schema && meta.schemaVersion === w.binding.schemaVersion)) &&
      (!w.decides.labels || sameLabels(meta.labels, labels));
    if (!same) throw idempotencyKeyReused(w.idempotencyKey);
  }
  return res;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
