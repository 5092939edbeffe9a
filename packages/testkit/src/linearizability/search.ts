import type { Operation } from "./history.js";
import type { Model } from "./model.js";

interface Entry {
  readonly op: number;
  readonly isCall: boolean;
  readonly time: number;
  match: Entry | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

/**
 * Decides whether the operations of ONE object have a linearization, with the search of
 * Wing & Gong as refined by Lowe: walk the invocations in time order, linearize the first
 * one the model accepts, backtrack when a response is reached whose operation is not yet
 * linearized, and never revisit a (set of linearized operations, state) pair.
 *
 * An operation with an unknown outcome may always be linearized after everything else,
 * where it is observed by nothing; so it is linearized early only when that changes the
 * state, and the search succeeds once every operation with a known outcome is linearized.
 */
export function isLinearizable<S, I, O>(
  model: Model<S, I, O>,
  partition: string,
  ops: readonly Operation<I, O>[],
): boolean {
  const head = buildList(ops);
  let definite = ops.filter((op) => op.output !== undefined).length;
  const linearized = new Uint32Array(Math.ceil(ops.length / 32) + 1);
  const seen = createMemo();
  const stack: { entry: Entry; state: S }[] = [];
  let state = model.init(partition);
  let entry = head.next;
  while (definite > 0) {
    if (entry === undefined) throw new Error("linearizability search ran off its list");
    if (entry.isCall) {
      const op = ops[entry.op]!;
      const next = model.step(state, op.input, op.output);
      const maybe = op.output === undefined;
      if (next !== undefined && !(maybe && model.key(next) === model.key(state))) {
        flip(linearized, entry.op);
        if (seen.add(linearized, model.key(next))) {
          stack.push({ entry, state });
          state = next;
          if (!maybe) definite--;
          lift(entry);
          entry = head.next;
          continue;
        }
        flip(linearized, entry.op);
      }
      entry = entry.next;
    } else {
      const top = stack.pop();
      if (top === undefined) return false;
      state = top.state;
      flip(linearized, top.entry.op);
      if (ops[top.entry.op]!.output !== undefined) definite++;
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return true;
}

function buildList<I, O>(ops: readonly Operation<I, O>[]): Entry {
  const entries: Entry[] = [];
  ops.forEach((op, i) => {
    const call: Entry = {
      op: i,
      isCall: true,
      time: op.call,
      match: undefined,
      prev: undefined,
      next: undefined,
    };
    const ret: Entry = {
      op: i,
      isCall: false,
      time: op.ret,
      match: undefined,
      prev: undefined,
      next: undefined,
    };
    call.match = ret;
    entries.push(call, ret);
  });
  // On equal times a call goes first: the two operations then count as concurrent.
  entries.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall));
  const head: Entry = {
    op: -1,
    isCall: false,
    time: -Infinity,
    match: undefined,
    prev: undefined,
    next: undefined,
  };
  let last = head;
  for (const e of entries) {
    e.prev = last;
    last.next = e;
    last = e;
  }
  return head;
}

/**
 * The (linearized set, state) pairs already explored. Sets are bucketed by a cheap hash of
 * their words and the state's key, and compared exactly within a bucket.
 */
function createMemo(): { add(bits: Uint32Array, state: string): boolean } {
  const buckets = new Map<string, Uint32Array[]>();
  return {
    add(bits, state) {
      let h = 0x811c9dc5;
      for (const word of bits) h = Math.imul(h ^ word, 0x01000193);
      const key = `${h >>> 0}|${state}`;
      const bucket = buckets.get(key);
      if (bucket === undefined) {
        buckets.set(key, [bits.slice()]);
        return true;
      }
      if (bucket.some((other) => other.every((word, i) => word === bits[i]))) return false;
      bucket.push(bits.slice());
      return true;
    },
  };
}

function flip(bits: Uint32Array, i: number): void {
  const word = i >>> 5;
  bits[word] = (bits[word] ?? 0) ^ (1 << (i & 31));
}

/** Takes a call entry and its response out of the list. */
function lift(call: Entry): void {
  for (const e of [call, call.match!]) {
    e.prev!.next = e.next;
    if (e.next) e.next.prev = e.prev;
  }
}

/** Puts back what {@link lift} took out, in reverse order. */
function unlift(call: Entry): void {
  for (const e of [call.match!, call]) {
    e.prev!.next = e;
    if (e.next) e.next.prev = e;
  }
}
