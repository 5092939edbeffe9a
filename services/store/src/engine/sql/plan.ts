import type { WriteInput } from "../types.js";
import { changeKindOf, checkIdempotentReplay, checkWritePreconditions } from "../write-rules.js";
import type { IdempotencyRecord } from "./idempotency.js";
import type { KvRow, LogRow } from "./rows.js";

/** One write of a group, with its value and request hash worked out. */
export interface GroupWrite {
  input: WriteInput;
  value: Uint8Array;
  hash: string;
}

/** What a group's transaction read before planning: the counter and the touched rows. */
export interface GroupState {
  revision: bigint;
  /** Current rows of the group's configs, by {@link configId}. */
  kv: Map<string, KvRow>;
  /** Idempotency records the group's writes name, by {@link idempotencyId}. */
  idempotency: Map<string, Omit<IdempotencyRecord, "project" | "idempotencyKey">>;
}

/** What became of one write of a group. */
export type PlannedWrite =
  | { kind: "write"; row: LogRow }
  /** A replay of an earlier write; `row` when that write is in this very group. */
  | { kind: "replay"; revision: bigint; configKey: string; row?: LogRow }
  | { kind: "failed"; error: unknown };

/** Everything a group writes, as rows, and what each write gets. */
export interface GroupPlan {
  outcomes: PlannedWrite[];
  /** New change-log records, in revision order. */
  log: LogRow[];
  /** The final row of every config the group wrote; undefined where it ends deleted. */
  kv: Map<string, KvRow | undefined>;
  idempotency: IdempotencyRecord[];
  /** The revision counter after the group. */
  revision: bigint;
}

/** The map key of one config. */
export const configId = (project: string, key: string) => `${project}/${key}`;

/** The map key of one idempotency record. */
export const idempotencyId = (project: string, key: string, idempotencyKey: string) =>
  `${project}/${key}@${idempotencyKey}`;

/**
 * Plans a group of writes in order, as if each committed alone right after the ones before
 * it: every write is checked (idempotent replay, expected version, must exist) against the
 * state the earlier writes of the group left, a write that fails changes nothing, and each
 * write that succeeds gets the next revision.
 */
export function planGroup(writes: GroupWrite[], state: GroupState, now: Date): GroupPlan {
  const kv = new Map<string, KvRow | undefined>(state.kv);
  const seen = new Map<
    string,
    { requestHash: string; revision: bigint; configKey: string; row?: LogRow }
  >(state.idempotency);
  const plan: GroupPlan = {
    outcomes: [],
    log: [],
    kv: new Map(),
    idempotency: [],
    revision: state.revision,
  };
  for (const { input, value, hash } of writes) {
    try {
      const idem = input.idempotencyKey
        ? idempotencyId(input.project, input.key, input.idempotencyKey)
        : undefined;
      const earlier = idem !== undefined ? seen.get(idem) : undefined;
      if (earlier) {
        checkIdempotentReplay(input, earlier.requestHash, hash);
        plan.outcomes.push({ kind: "replay", ...earlier });
        continue;
      }
      const id = configId(input.project, input.key);
      const current = kv.get(id);
      // The group's revision so far covers the key's last write, a deletion included.
      checkWritePreconditions(input, current ? BigInt(current.version) : 0n, plan.revision);
      const revision = plan.revision + 1n;
      const row: LogRow = {
        revision: revision.toString(),
        project: input.project,
        key: input.key,
        create_revision: current ? current.create_revision : revision.toString(),
        previous_revision: current ? current.version : "0",
        change_type: changeKindOf(input, current !== undefined),
        value: Buffer.from(value),
        deleted: input.op === "delete",
        author: input.meta.author,
        message: input.meta.message,
        request_id: input.meta.requestId,
        schema_name: input.meta.schema,
        schema_version: input.meta.schemaVersion,
        validated_schema_version: input.meta.validatedSchemaVersion,
        rolled_back_from: input.meta.rolledBackFrom.toString(),
        labels: input.meta.labels,
        created_at: now,
        key_created_by: current ? current.created_by : input.meta.author,
        key_created_at: current ? current.created_at : now,
      };
      const next: KvRow | undefined =
        input.op === "delete"
          ? undefined
          : {
              ...row,
              version: row.revision,
              updated_at: now,
              created_by: current ? current.created_by : row.author,
              created_at: current ? current.created_at : now,
            };
      kv.set(id, next);
      plan.kv.set(id, next);
      plan.log.push(row);
      plan.revision = revision;
      if (idem !== undefined && input.idempotencyKey) {
        const rec = { requestHash: hash, revision, configKey: input.key };
        seen.set(idem, { ...rec, row });
        plan.idempotency.push({
          ...rec,
          project: input.project,
          idempotencyKey: input.idempotencyKey,
        });
      }
      plan.outcomes.push({ kind: "write", row });
    } catch (error) {
      plan.outcomes.push({ kind: "failed", error });
    }
  }
  return plan;
}
