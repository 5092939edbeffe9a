import { Code, ConnectError } from "@connectrpc/connect";
import { failureOf } from "@guardian/testkit";
import { afterAll, describe, expect, it } from "vitest";
import type { SchemaViolation } from "../contract.js";
import { createSchemaWorkers } from "./schema-workers.js";
import { createValidationBatcher } from "./validation-batcher.js";

const violation = (doc: string): SchemaViolation[] => [
  { pointer: "", message: `bad ${doc}`, keyword: "type", schemaPointer: "" },
];

/** A `run` that answers "bad <doc>" for documents starting with "bad", and records each call. */
function fakeRun(fail?: (docs: string[]) => boolean) {
  const calls: string[][] = [];
  const run = async (docs: string[]) => {
    calls.push(docs);
    await new Promise((r) => setTimeout(r, 5));
    if (fail?.(docs)) throw new ConnectError("too slow", Code.DeadlineExceeded);
    return docs.map((d) => (d.startsWith("bad") ? violation(d) : []));
  };
  return { run, calls };
}

describe("validation batcher", () => {
  it("validates the calls of one turn in one task and answers each with its own result", async () => {
    const { run, calls } = fakeRun();
    const validate = createValidationBatcher(run);
    const answers = await Promise.all(["a", "bad-b", "c"].map((d) => validate(d)));
    expect(calls).toEqual([["a", "bad-b", "c"]]);
    expect(answers).toEqual([[], violation("bad-b"), []]);
    // A lone call goes out on its own, on the next turn.
    expect(await validate("bad-d")).toEqual(violation("bad-d"));
    expect(calls).toHaveLength(2);
  });

  it("keeps batches within their limits, and sends a long document alone", async () => {
    const { run, calls } = fakeRun();
    const validate = createValidationBatcher(run, { maxDocuments: 2, maxChars: 10 });
    const long = "x".repeat(11);
    await Promise.all(["a", "b", "c", long, "dddddd", "eeeee"].map((d) => validate(d)));
    expect(calls).toEqual([[long], ["a", "b"], ["c", "dddddd"], ["eeeee"]]);
  });

  it("runs the documents of a failed batch one by one, so each caller gets its own outcome", async () => {
    const { run, calls } = fakeRun((docs) => docs.includes("slow"));
    const validate = createValidationBatcher(run);
    const outcomes = await Promise.allSettled(["a", "slow", "bad-c"].map((d) => validate(d)));
    expect(calls).toEqual([["a", "slow", "bad-c"], ["a"], ["slow"], ["bad-c"]]);
    expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value : "failed"))).toEqual([
      [],
      "failed",
      violation("bad-c"),
    ]);
  });

  it("fails a call whose signal aborted before its batch went out, and leaves it out", async () => {
    const { run, calls } = fakeRun();
    const validate = createValidationBatcher(run);
    const ac = new AbortController();
    const gone = validate("gone", ac.signal);
    const kept = validate("kept");
    ac.abort();
    expect((await failureOf(gone)).code).toBe(Code.Canceled);
    expect(await kept).toEqual([]);
    expect(calls).toEqual([["kept"]]);
    expect((await failureOf(validate("late", ac.signal))).code).toBe(Code.Canceled);
  });

  describe("on worker threads", () => {
    const workers = createSchemaWorkers({ threads: 2, deadlineMs: 5_000 });
    afterAll(() => workers.close());

    it("fails only the document that overruns the deadline; the others of its batch pass", async () => {
      // 7,000 items (63 KB of JSON, so batched) each compared with 20,000 enum objects take far
      // longer than the deadline; a thread that replaces a stopped one compiles the schema in
      // well under it.
      const source = {
        key: "batched-slow",
        dialect: "draft-2020-12" as const,
        content: JSON.stringify({
          items: { enum: [...Array.from({ length: 20_000 }, (_, i) => ({ a: i })), "ok"] },
        }),
      };
      const runs: number[] = [];
      const validate = createValidationBatcher((docs) => {
        runs.push(docs.length);
        return workers.validate(source, docs, undefined, "write");
      });
      const slow = JSON.stringify(Array.from({ length: 7_000 }, () => ({ a: -1 })));
      const outcomes = await Promise.allSettled(
        ['["ok"]', slow, '[{"a":1},"no"]'].map((d) => validate(d)),
      );
      expect(runs).toEqual([3, 1, 1, 1]);
      const [ok, overran, invalid] = outcomes.map((o) =>
        o.status === "fulfilled" ? o.value.length : ConnectError.from(o.reason).code,
      );
      expect([ok, overran, invalid]).toEqual([0, Code.DeadlineExceeded, 1]);
    }, 30_000);
  });
});
