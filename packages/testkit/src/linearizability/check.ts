import type { Operation } from "./history.js";
import type { Model } from "./model.js";
import { isLinearizable } from "./search.js";

/** A non-linearizable part of a history, as found by {@link checkLinearizability}. */
export interface Anomaly<I, O> {
  readonly partition: string;
  /**
   * The operation whose response first made the history impossible: the history up to
   * its response (operations still in flight then counted as unknown) has no
   * linearization, and the history up to the response before it has one.
   */
  readonly culprit: Operation<I, O>;
  /** How many operations that minimal prefix holds. */
  readonly prefixLength: number;
  /**
   * The operations involved: those of the prefix that overlap the culprit in time, and the
   * last few that completed before it was invoked, in invocation order.
   */
  readonly involved: Operation<I, O>[];
}

/** The outcome of {@link checkLinearizability}. */
export interface LinearizabilityResult<I, O> {
  readonly ok: boolean;
  /** One anomaly per partition that has no linearization. */
  readonly anomalies: Anomaly<I, O>[];
  /** Operations checked, per partition. */
  readonly partitions: Map<string, number>;
}

/** Options of {@link checkLinearizability}. */
export interface CheckOptions {
  /** How many operations completed before the culprit an anomaly lists. Defaults to 6. */
  readonly context?: number;
}

/**
 * Checks that a concurrent history is linearizable with respect to `model`. Operations on
 * different partitions are independent objects, so each partition is checked on its own
 * (P-compositionality: a history is linearizable exactly when each object's subhistory is).
 * For each partition that fails, the minimal failing prefix is found and reported.
 */
export function checkLinearizability<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  opts: CheckOptions = {},
): LinearizabilityResult<I, O> {
  const byPartition = new Map<string, Operation<I, O>[]>();
  for (const op of ops) {
    const list = byPartition.get(op.partition) ?? [];
    list.push(op);
    byPartition.set(op.partition, list);
  }
  const anomalies: Anomaly<I, O>[] = [];
  const partitions = new Map<string, number>();
  for (const [partition, list] of [...byPartition].sort(([a], [b]) => a.localeCompare(b))) {
    partitions.set(partition, list.length);
    if (!isLinearizable(model, partition, list)) {
      anomalies.push(minimalAnomaly(model, partition, list, opts.context ?? 6));
    }
  }
  return { ok: anomalies.length === 0, anomalies, partitions };
}

/**
 * The history as it stood just after time `t`: later responses are not yet known, but what
 * they reveal about an operation's effect (the version a write got) is, through the model's
 * {@link Model.inFlight}. Otherwise a prefix could fail where the whole history does not (a
 * write in flight that a conflict in the prefix had already observed), and the bisection
 * would name the wrong culprit.
 */
function prefixAt<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  t: number,
): Operation<I, O>[] {
  return ops
    .filter((op) => op.call <= t)
    .map((op) => {
      if (op.ret <= t) return op;
      const input =
        op.output !== undefined && model.inFlight ? model.inFlight(op.input, op.output) : op.input;
      return { ...op, input, output: undefined, ret: Infinity };
    });
}

function minimalAnomaly<S, I, O>(
  model: Model<S, I, O>,
  partition: string,
  ops: readonly Operation<I, O>[],
  context: number,
): Anomaly<I, O> {
  // A prefix of a linearizable history is linearizable, so the first failing response can
  // be found by bisection over the response times.
  const responses = ops.filter((op) => op.ret !== Infinity).sort((a, b) => a.ret - b.ret);
  let lo = 0;
  let hi = responses.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (isLinearizable(model, partition, prefixAt(model, ops, responses[mid]!.ret))) lo = mid + 1;
    else hi = mid;
  }
  const culprit = responses[lo]!;
  const prefix = prefixAt(model, ops, culprit.ret);
  const overlapping = prefix.filter((op) => op.id !== culprit.id && op.ret > culprit.call);
  const before = prefix
    .filter((op) => op.ret <= culprit.call)
    .sort((a, b) => a.ret - b.ret)
    .slice(-context);
  const involved = [...before, ...overlapping, culprit].sort((a, b) => a.call - b.call);
  return { partition, culprit, prefixLength: prefix.length, involved };
}

/** Describes an anomaly over several lines, for a test failure message. */
export function formatAnomaly<S, I, O>(model: Model<S, I, O>, anomaly: Anomaly<I, O>): string {
  const { culprit } = anomaly;
  const line = (op: Operation<I, O>): string => {
    const ret = op.ret === Infinity ? "?" : String(op.ret);
    const mark = op.id === culprit.id ? "   <- no linearization explains this response" : "";
    return `  #${op.id} client ${op.client} [${op.call}, ${ret}] ${model.describe(op.input, op.output)}${mark}`;
  };
  return [
    `${anomaly.partition}: not linearizable. The first ${anomaly.prefixLength} operations, up to ` +
      `the response of #${culprit.id}, have no linearization; the operations involved:`,
    ...anomaly.involved.map(line),
  ].join("\n");
}
