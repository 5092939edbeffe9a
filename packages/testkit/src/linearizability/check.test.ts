import { describe, expect, it } from "vitest";
import { checkLinearizability, formatAnomaly } from "./check.js";
import type { Operation } from "./history.js";
import { versionedRegister } from "./register.js";
import type { RegisterInput, RegisterOutput } from "./register.js";

type Op = Operation<RegisterInput, RegisterOutput>;

const model = versionedRegister(() => ({ version: 1n, value: "init" }));

/** Builds a history from [client, call, ret, input, output] rows on partition "k". */
function history(
  rows: [number, number, number | undefined, RegisterInput, RegisterOutput | undefined][],
  partition = "k",
): Op[] {
  return rows.map(([client, call, ret, input, output], id) => ({
    id,
    client,
    partition,
    input,
    output,
    call,
    ret: output === undefined ? Infinity : ret!,
  }));
}

const read = (version: bigint, value: string): [RegisterInput, RegisterOutput] => [
  { kind: "read" },
  { kind: "read", version, value },
];
const cas = (expected: bigint, value: string, got: bigint): [RegisterInput, RegisterOutput] => [
  { kind: "cas", expected, value },
  { kind: "written", version: got },
];

describe("checkLinearizability on a versioned register", () => {
  it("accepts a sequential history of reads, writes and compare-and-sets", () => {
    const r = checkLinearizability(
      model,
      history([
        [1, 0, 1, ...read(1n, "init")],
        [1, 2, 3, ...cas(1n, "a", 5n)],
        [2, 4, 5, { kind: "cas", expected: 1n, value: "b" }, { kind: "conflict", current: 5n }],
        [2, 6, 7, { kind: "write", value: "c" }, { kind: "written", version: 9n }],
        [1, 8, 9, ...read(9n, "c")],
      ]),
    );
    expect(r.ok).toBe(true);
  });

  it("accepts overlapping operations in an order their intervals allow", () => {
    // The read overlaps the write and sees it although it was invoked first.
    const r = checkLinearizability(
      model,
      history([
        [1, 0, 5, ...read(4n, "a")],
        [2, 1, 3, ...cas(1n, "a", 4n)],
        [3, 2, 6, ...read(1n, "init")],
      ]),
    );
    expect(r.ok).toBe(true);
  });

  it("reports a stale read: the old value after a write completed", () => {
    const r = checkLinearizability(
      model,
      history([
        [1, 0, 1, ...cas(1n, "a", 4n)],
        [2, 2, 3, ...read(1n, "init")],
      ]),
    );
    expect(r.ok).toBe(false);
    expect(r.anomalies[0]!.culprit.id).toBe(1);
    expect(formatAnomaly(model, r.anomalies[0]!)).toContain("#1 client 2 [2, 3] read() -> v1");
  });

  it("reports a lost update: a compare-and-set that succeeds from a version already replaced", () => {
    const r = checkLinearizability(
      model,
      history([
        [1, 0, 1, ...cas(1n, "a", 4n)],
        [2, 2, 3, ...cas(1n, "b", 6n)],
        [1, 4, 5, ...read(6n, "b")],
      ]),
    );
    expect(r.ok).toBe(false);
    expect(r.anomalies[0]!.culprit.id).toBe(1);
  });

  it("reports a compare-and-set that succeeded twice from the same version, even concurrently", () => {
    const r = checkLinearizability(
      model,
      history([
        [1, 0, 4, ...cas(1n, "a", 4n)],
        [2, 1, 3, ...cas(1n, "b", 5n)],
      ]),
    );
    expect(r.ok).toBe(false);
    expect(r.anomalies[0]!.involved.map((op) => op.id)).toEqual([0, 1]);
  });

  it("reports a refusal that names a version the register did not have", () => {
    const r = checkLinearizability(
      model,
      history([
        [1, 0, 1, ...cas(1n, "a", 4n)],
        [2, 2, 3, { kind: "cas", expected: 1n, value: "b" }, { kind: "conflict", current: 1n }],
      ]),
    );
    expect(r.ok).toBe(false);
  });

  it("reports versions that go backwards", () => {
    const r = checkLinearizability(
      model,
      history([
        [1, 0, 1, ...cas(1n, "a", 4n)],
        [1, 2, 3, ...cas(4n, "b", 3n)],
      ]),
    );
    expect(r.ok).toBe(false);
  });

  it("lets a write of unknown outcome take effect late, or never", () => {
    const seen = history([
      [1, 0, undefined, { kind: "cas", expected: 1n, value: "a", version: 4n }, undefined],
      [2, 5, 6, ...read(1n, "init")],
      [2, 7, 8, ...read(4n, "a")],
    ]);
    expect(checkLinearizability(model, seen).ok).toBe(true);
    const never = history([
      [1, 0, undefined, { kind: "write", value: "a" }, undefined],
      [2, 5, 6, ...read(1n, "init")],
      [2, 7, 8, ...cas(1n, "b", 9n)],
    ]);
    expect(checkLinearizability(model, never).ok).toBe(true);
  });

  it("reports a write of unknown outcome that is seen and then unseen", () => {
    const r = checkLinearizability(
      model,
      history([
        [1, 0, undefined, { kind: "cas", expected: 1n, value: "a", version: 4n }, undefined],
        [2, 5, 6, ...read(4n, "a")],
        [3, 7, 8, ...read(1n, "init")],
      ]),
    );
    expect(r.ok).toBe(false);
    expect(r.anomalies[0]!.culprit.id).toBe(2);
  });

  it("names the real culprit when an earlier response saw a write still in flight", () => {
    const r = checkLinearizability(
      model,
      history([
        // The write commits at once but answers last; a refusal reports its version first.
        [1, 0, 30, ...cas(1n, "a", 4n)],
        [2, 2, 3, { kind: "cas", expected: 1n, value: "b" }, { kind: "conflict", current: 4n }],
        [3, 20, 21, ...read(1n, "init")],
      ]),
    );
    expect(r.ok).toBe(false);
    expect(r.anomalies[0]!.culprit.id).toBe(2);
  });

  it("checks each key on its own and reports only the broken one", () => {
    const good = history([[1, 0, 1, ...cas(1n, "a", 4n)]], "a");
    const bad = history(
      [
        [2, 2, 3, ...cas(1n, "b", 5n)],
        [2, 4, 5, ...read(1n, "init")],
      ],
      "b",
    ).map((op) => ({ ...op, id: op.id + 1 }));
    const r = checkLinearizability(model, [...good, ...bad]);
    expect(r.anomalies.map((a) => a.partition)).toEqual(["b"]);
    expect(r.partitions).toEqual(
      new Map([
        ["a", 1],
        ["b", 2],
      ]),
    );
  });
});
