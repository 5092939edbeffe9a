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
import type { RevisionRecord, WriteInput, WriteResult } from "../types.js";
import { absent, call, deleteOp, modIs, putOp, rangeOp } from "./calls.js";
import { decodeWrite, encodeWrite, type StoredWrite } from "./envelope.js";
import { prefixEnd, type Keyspace } from "./keys.js";
import type { LeaseSource } from "./lease.js";

/** What the write path needs. */
export interface WriterDeps {
  client: Etcd3;
  ks: Keyspace;
  leases: LeaseSource;
  /** Finds the record of an earlier write (for idempotent replays). */
  findRecord(project: string, key: string, revision: bigint): Promise<RevisionRecord | undefined>;
}

/** The key's state as one transaction saw it. */
interface KeyState {
  current?: StoredWrite;
  /** The key's newest revision record (also after a deletion). */
  latest?: StoredWrite;
  idempotency?: { hash: string; key: string; revision: bigint };
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

  return async function write(input) {
    const value =
      input.op === "put" ? Buffer.from(input.value ?? new Uint8Array()) : Buffer.alloc(0);
    const hash = hashWriteRequest(input, value);
    const txn = randomUUID();
    const valueKey = ks.kv(input.project, input.key);
    let state = parseState(
      (await call("read the config", () => client.kv.txn({ success: stateOps(input) }))).responses,
    );
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
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
      const { current } = state;
      const currentVersion = current?.record.revision ?? 0n;
      // The compare below (value key absent, or at this version) makes these hold at commit.
      checkWritePreconditions(input, currentVersion);
      const now = new Date();
      const slot = state.latest?.record.revision ?? 0n;
      const recordKey = ks.record(input.project, input.key, slot);
      const envelope = encodeWrite({
        record: {
          project: input.project,
          key: input.key,
          createRevision: current?.record.createRevision ?? 0n,
          previousRevision: currentVersion,
          value,
          deleted: input.op === "delete",
          meta: { ...input.meta, changeKind: changeKindOf(input, !!current), time: now },
        },
        createdBy: current?.createdBy ?? input.meta.author,
        createTime: current?.createTime ?? now,
        txn,
        seq: (state.latest?.seq ?? 0) + 1,
      });
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
        const written = decodeWrite({ value: envelope, mod_revision: res.header.revision });
        return {
          revision: written.record.revision,
          record: written.record,
          idempotentReplay: false,
          seq: written.seq,
        };
      }
      state = parseState(res.responses);
    }
    throw new StoreError(
      "unavailable",
      `config "${input.key}" changed on every one of ${maxAttempts} attempts; try again`,
    );
  };
}
