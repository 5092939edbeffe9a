import { describe, expect, it } from "vitest";
import { checkLinearizability, formatAnomaly } from "./check.js";
import type { Operation } from "./history.js";
import { versionedRegister } from "./register.js";
import { seededRandom } from "../seeded-random.js";
import type { RegisterInput, RegisterOutput, RegisterState } from "./register.js";

type Op = Operation<RegisterInput, RegisterOutput>;

const model = versionedRegister(() => ({ version: 1n, value: "init" }));

/**
 * Simulates six clients on a real register: operation i takes effect at time 10·i and its
 * interval reaches up to 29 either side, so neighbours overlap. Compare-and-sets use the
 * version the client last saw, so many are refused; one write in twenty has an unknown
 * outcome (and took effect or not).
 */
function simulate(seed: number, count: number, keys: string[]): Op[] {
  const rand = seededRandom(seed);
  const states = new Map<string, RegisterState>(
    keys.map((k) => [k, { version: 1n, value: "init" }]),
  );
  const known = new Map<string, bigint>();
  let revision = 1n;
  const ops: Op[] = [];
  for (let id = 0; id < count; id++) {
    const client = id % 6;
    const key = keys[Math.floor(rand() * keys.length)]!;
    const state = states.get(key)!;
    const at = 10 * id;
    const call = at - 1 - Math.floor(rand() * 28);
    const ret = at + 1 + Math.floor(rand() * 28);
    const roll = rand();
    const value = `c${client}-${id}`;
    let input: RegisterInput;
    let output: RegisterOutput | undefined;
    if (roll < 0.4) {
      input = { kind: "read" };
      output = { kind: "read", ...state };
    } else {
      const expected = known.get(`${client}/${key}`) ?? 1n;
      const applies = roll >= 0.9 || expected === state.version;
      const version = applies ? ++revision : undefined;
      if (version !== undefined) states.set(key, { version, value });
      const maybe = rand() < 0.05;
      input =
        roll >= 0.9
          ? { kind: "write", value, ...(maybe && version ? { version } : {}) }
          : { kind: "cas", expected, value, ...(maybe && version ? { version } : {}) };
      output = maybe
        ? undefined
        : version !== undefined
          ? { kind: "written", version }
          : { kind: "conflict", current: state.version };
    }
    const now = states.get(key)!;
    if (output !== undefined) known.set(`${client}/${key}`, now.version);
    ops.push({ id, client, partition: key, input, output, call, ret: output ? ret : Infinity });
  }
  return ops;
}

describe("checkLinearizability on long histories", () => {
  it("accepts a linearizable history of 2000 operations on one key", () => {
    const r = checkLinearizability(model, simulate(1, 2000, ["k"]));
    expect(r.anomalies.map((a) => formatAnomaly(model, a))).toEqual([]);
  });

  it("accepts a linearizable history of 2000 operations over three keys", () => {
    const r = checkLinearizability(model, simulate(2, 2000, ["a", "b", "c"]));
    expect(r.ok).toBe(true);
    expect([...r.partitions.values()].reduce((a, b) => a + b)).toBe(2000);
  });

  it("finds the one stale read in 2000 operations and names it", () => {
    const ops = simulate(3, 2000, ["k"]);
    // A late read is made to return a value three writes old.
    const reads = ops.filter((op) => op.output?.kind === "read" && op.id > 1500);
    const target = reads.find((op) => {
      const seen = op.output as { version: bigint };
      return (
        ops.filter((w) => w.output?.kind === "written" && w.output.version < seen.version).length >
        3
      );
    })!;
    const writes = ops.filter(
      (w): w is Op & { output: { kind: "written"; version: bigint } } =>
        w.output?.kind === "written" && w.ret < target.call,
    );
    const old = writes[writes.length - 4]!;
    const stale: Op = {
      ...target,
      output: {
        kind: "read",
        version: old.output.version,
        value: (old.input as { value: string }).value,
      },
    };
    const r = checkLinearizability(
      model,
      ops.map((op) => (op.id === target.id ? stale : op)),
    );
    expect(r.ok).toBe(false);
    expect(r.anomalies[0]!.culprit.id).toBe(target.id);
  });
});
