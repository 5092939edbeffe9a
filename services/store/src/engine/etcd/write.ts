import { randomUUID } from "node:crypto";
import { isLeaseNotFound } from "@guardian/etcd";
import { SortOrder, SortTarget, type Etcd3, type IRequestOp, type IResponseOp } from "etcd3";
import { StoreError } from "../errors.js";
import {
  changeKindOf,
  checkIdempotentReplay,
  checkWritePreconditions,
  hashWriteRequest,
} from "../write-rules.js";
import type { KeyValue, RevisionRecord, WriteInput, WriteResult } from "../types.js";
import { absent, call, deleteOp, modIs, putOp, rangeOp } from "./calls.js";
import { decodeWrite, encodeWrite, type PendingWrite, type StoredWrite } from "./envelope.js";
import { prefixEnd, type Keyspace } from "./keys.js";
import type { LeaseSource } from "./lease.js";

/** What the write path needs. */
export interface WriterDeps {
  client: Etcd3;
  ks: Keyspace;
  leases: LeaseSource;
  /** Finds the record of an earlier write (for idempotent replays). */
  findRecord(project: string, key: string, revision: bigint): Promise<RevisionRecord | undefined>;
  /**
   * The key's value as this instance last saw it (the watch cache), with its write count; a
   * first attempt builds on it instead of reading etcd. It may be stale: the compares decide.
   */
  cached?(project: string, key: string): { kv: KeyValue; seq: number } | undefined;
}

/** The key's state as one transaction saw it. */
interface KeyState {
  current?: StoredWrite;
  /** The key's newest revision record (also after a deletion). */
  latest?: StoredWrite;
  idempotency?: { hash: string; key: string; revision: bigint };
}

/** What a write attempt builds on: the key's current value, its newest record's slot. */
interface Basis {
  current?: { version: bigint; createRevision: bigint; createdBy: string; createTime: Date };
  /** The revision of the key's newest record (0n: none), which names the new record's slot. */
  slot: bigint;
  /** The key's write count so far. */
  seq: number;
}

function basisOf(state: KeyState): Basis {
  const c = state.current;
  return {
    current: c && {
      version: c.record.revision,
      createRevision: c.record.createRevision,
      createdBy: c.createdBy,
      createTime: c.createTime,
    },
    slot: state.latest?.record.revision ?? 0n,
    seq: state.latest?.seq ?? 0,
  };
}

interface IdempotencyRecord {
  hash: string;
  key: string;
}

const maxAttempts = 50;

/**
 * Creates the write path. A write is ONE etcd transaction:
 *
 *   compare: value key mod_revision == current version (create_revision == 0 when absent),
 *            the new record's slot is unused, the idempotency key does not exist
 *   success: put (or delete) the value key, put the revision record, put the idempotency record
 *   failure: re-read the value key, the newest record and the idempotency record
 *
 * The write's revision is the transaction's header revision, which is also the mod_revision of
 * the value key (the config's version) and of the record. A failed compare re-runs the checks
 * on the fresh state: a concurrent duplicate of an idempotent write becomes a replay, a moved
 * version becomes version_conflict, and an unconditional write simply tries again.
 *
 * The state a first attempt builds on comes from the watch cache when it holds the key, so
 * concurrent writes cost one round trip each; otherwise from a read. Only a state etcd itself
 * returned (a read or a failed compare) can fail a write's checks.
 */
export function createWriter(
  deps: WriterDeps,
): (input: WriteInput) => Promise<WriteResult & { seq?: number }> {
  const { client, ks } = deps;

  function stateOps(input: WriteInput): IRequestOp[] {
    const records = ks.recordsOf(input.project, input.key);
    return [
      rangeOp({ key: ks.kv(input.project, input.key) }),
      rangeOp({
        key: records,
        range_end: prefixEnd(records),
        sort_order: SortOrder.Descend,
        sort_target: SortTarget.Key,
        limit: 1,
      }),
      ...(input.idempotencyKey
        ? [rangeOp({ key: ks.idempotency(input.project, input.key, input.idempotencyKey) })]
        : []),
    ];
  }

  function parseState(responses: IResponseOp[]): KeyState {
    const [value, latest, idem] = responses.map((r) => r.response_range.kvs[0]);
    const state: KeyState = {
      current: value && decodeWrite(value),
      latest: latest && decodeWrite(latest),
    };
    if (idem) {
      const rec = JSON.parse(idem.value.toString("utf8")) as IdempotencyRecord;
      // The idempotency record was put by the write's own transaction: same revision.
      state.idempotency = { hash: rec.hash, key: rec.key, revision: BigInt(idem.mod_revision) };
    }
    return state;
  }

  async function replay(
    input: WriteInput,
    seen: NonNullable<KeyState["idempotency"]>,
    hash: string,
  ): Promise<WriteResult> {
    checkIdempotentReplay(input, seen.hash, hash);
    const record = await deps.findRecord(input.project, seen.key, seen.revision);
    if (!record) {
      throw new Error(`the record of idempotent write ${seen.revision} is missing`);
    }
    return { revision: seen.revision, record, idempotentReplay: true };
  }

  /**
   * The basis of a first attempt from the watch cache, when it has the key. A key that exists
   * at version V has its newest record at V (both are written by one transaction, and
   * retention keeps the newest record), so the compare on the value key's mod_revision makes
   * the slot and write count right whenever the transaction succeeds. A key missing from the
   * cache may have been deleted, with records whose slots only a read can tell.
   */
  function cachedBasis(input: WriteInput): Basis | undefined {
    const hit = deps.cached?.(input.project, input.key);
    if (!hit) return undefined;
    const { kv, seq } = hit;
    return {
      current: {
        version: kv.version,
        createRevision: kv.createRevision,
        createdBy: kv.createdBy,
        createTime: kv.createTime,
      },
      slot: kv.version,
      seq,
    };
  }

  async function readState(input: WriteInput): Promise<KeyState> {
    const res = await call("read the config", () => client.kv.txn({ success: stateOps(input) }));
    return parseState(res.responses);
  }

  return async function write(input) {
    const value =
      input.op === "put" ? Buffer.from(input.value ?? new Uint8Array()) : Buffer.alloc(0);
    // Only an idempotent write is ever compared with an earlier request.
    const hash = input.idempotencyKey ? hashWriteRequest(input, value) : "";
    const txn = randomUUID();
    const valueKey = ks.kv(input.project, input.key);
    // The state from etcd itself (a read or a failed compare); undefined while building on the
    // cache, whose failed checks are not final.
    let state: KeyState | undefined;
    let basis = cachedBasis(input);
    if (!basis) state = await readState(input);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (state) {
        if (state.latest?.txn === txn) {
          // An earlier attempt of this very call committed (the RPC was retried after a lost reply).
          return {
            revision: state.latest.record.revision,
            record: state.latest.record,
            idempotentReplay: false,
            seq: state.latest.seq,
          };
        }
        if (state.idempotency) return replay(input, state.idempotency, hash);
        basis = basisOf(state);
      }
      if (!basis) throw new Error("a write attempt has no basis");
      const { current } = basis;
      const currentVersion = current?.version ?? 0n;
      try {
        // The compare below (value key absent, or at this version) makes these hold at commit.
        // The key's newest record (its deletion, when it is gone) is the state's revision.
        checkWritePreconditions(input, currentVersion, basis.slot);
      } catch (err) {
        if (state) throw err;
        // The cache may be behind: only etcd's own state can fail a write.
        state = await readState(input);
        continue;
      }
      const now = new Date();
      const recordKey = ks.record(input.project, input.key, basis.slot);
      const pending: PendingWrite = {
        record: {
          project: input.project,
          key: input.key,
          createRevision: current?.createRevision ?? 0n,
          previousRevision: currentVersion,
          value,
          deleted: input.op === "delete",
          meta: { ...input.meta, changeKind: changeKindOf(input, !!current), time: now },
          creator: {
            author: current?.createdBy ?? input.meta.author,
            time: current?.createTime ?? now,
          },
        },
        createdBy: current?.createdBy ?? input.meta.author,
        createTime: current?.createTime ?? now,
        txn,
        seq: basis.seq + 1,
      };
      const envelope = encodeWrite(pending);
      const lease = input.idempotencyKey ? await deps.leases.get() : undefined;
      const success: IRequestOp[] = [
        input.op === "delete" ? deleteOp(valueKey) : putOp(valueKey, envelope),
        putOp(recordKey, envelope),
      ];
      const compare = [
        current ? modIs(valueKey, currentVersion) : absent(valueKey),
        absent(recordKey),
      ];
      if (input.idempotencyKey) {
        const idemKey = ks.idempotency(input.project, input.key, input.idempotencyKey);
        const rec: IdempotencyRecord = { hash, key: input.key };
        success.push(putOp(idemKey, Buffer.from(JSON.stringify(rec)), lease));
        compare.push(absent(idemKey));
      }
      let res;
      try {
        res = await call("write the config", () =>
          client.kv.txn({ compare, success, failure: stateOps(input) }),
        );
      } catch (err) {
        if (lease && isLeaseNotFound(err)) {
          deps.leases.invalidate(lease);
          continue;
        }
        throw err;
      }
      if (res.succeeded) {
        // The record as a read would decode it, built from what was just encoded.
        const revision = BigInt(res.header.revision);
        const record: RevisionRecord = {
          ...pending.record,
          revision,
          createRevision: pending.record.createRevision || revision,
          value: new Uint8Array(value.buffer, value.byteOffset, value.length),
        };
        return { revision, record, idempotentReplay: false, seq: pending.seq };
      }
      state = parseState(res.responses);
    }
    throw new StoreError(
      "unavailable",
      `config "${input.key}" changed on every one of ${maxAttempts} attempts; try again`,
    );
  };
}
