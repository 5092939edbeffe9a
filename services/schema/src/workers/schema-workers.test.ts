import { Code, ConnectError } from "@connectrpc/connect";
import { ValidationFailureSchema } from "@guardian/api";
import { afterAll, describe, expect, it } from "vitest";
import { createSchemaWorkers } from "./schema-workers.js";
import { failureOf } from "@guardian/testkit";

/**
 * A deeply branching `anyOf` tree of depth 12 (about 200 KB of JSON, under the schema size
 * limit) that takes ajv seconds to compile: the slowest kind of schema a caller can send.
 */
function branching(depth: number): Record<string, unknown> {
  if (depth === 0) return { type: "integer" };
  return { anyOf: [branching(depth - 1), { properties: { a: branching(depth - 1) } }] };
}

/**
 * A schema and a document that take minutes to validate: 100,000 items, each compared with
 * 20,000 enum objects. `key` names the schema for the workers' cache.
 */
function minutesOfValidation(key: string) {
  const slow = {
    key,
    dialect: "draft-2020-12" as const,
    content: JSON.stringify({
      items: { enum: Array.from({ length: 20_000 }, (_, i) => ({ a: i })) },
    }),
  };
  const items = JSON.stringify(Array.from({ length: 100_000 }, () => ({ a: -1 })));
  return { slow, items };
}

describe("schema workers", () => {
  const workers = createSchemaWorkers({ threads: 1, deadlineMs: 30_000 });
  afterAll(() => workers.close());

  it("compile a candidate on a thread and validate with it, violations in document order", async () => {
    const checked = await workers.compile(
      JSON.stringify({
        type: "object",
        properties: { port: { type: "integer", maximum: 65535 }, name: { type: "string" } },
      }),
    );
    expect(checked.dialect).toBe("draft-2020-12");
    const results = await workers.validate(checked.source, [
      JSON.stringify({ name: "api", port: 80 }),
      JSON.stringify({ port: 70000, name: 1 }),
      "{not json",
    ]);
    expect(results.map((r) => r.map((v) => v.pointer))).toEqual([[], ["/port", "/name"], [""]]);
    expect(results[2]![0]!.message).toBe("stored value is not JSON");
  });

  it("send back the first 101 violations of a document, in document order, however many it has", async () => {
    const checked = await workers.compile(
      JSON.stringify({ type: "array", items: { type: "string" } }),
    );
    const [violations] = await workers.validate(checked.source, [
      JSON.stringify(Array.from({ length: 50_000 }, (_, i) => i)),
    ]);
    expect(violations!.map((v) => v.pointer)).toEqual(
      Array.from({ length: 101 }, (_, i) => `/${i}`),
    );
  });

  it("refuse an invalid schema with InvalidArgument and its violations, as in process", async () => {
    const err = await failureOf(
      workers.compile(JSON.stringify({ properties: { s: { pattern: "(a)\\1" } } })),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toMatch(/^invalid content: not a valid JSON Schema/);
    const [details] = err.findDetails(ValidationFailureSchema);
    expect(details?.violations.map((v) => v.pointer)).toEqual(["/properties/s/pattern"]);
  });

  it("reuse what a thread compiled for the same schema key", async () => {
    const doc = [JSON.stringify("text")];
    const asString = { key: "p\u0000s\u00001\u00001", dialect: "draft-2020-12" as const };
    expect(await workers.validate({ ...asString, content: '{"type":"string"}' }, doc)).toEqual([
      [],
    ]);
    // Same key, other content: the cached validator answers, so nothing was recompiled.
    expect(await workers.validate({ ...asString, content: '{"type":"integer"}' }, doc)).toEqual([
      [],
    ]);
  });

  it("answer FailedPrecondition for a stored schema that can no longer be compiled", async () => {
    const err = await failureOf(
      workers.validate({ key: "old", content: '{"pattern":"(a)\\\\1"}', dialect: "draft-07" }, [
        '"aa"',
      ]),
    );
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.rawMessage).toMatch(/^the schema version cannot be compiled any more: /);
  });

  it("answer InvalidArgument for a document nested too deeply to validate", async () => {
    const deep = `[${"[".repeat(200_000)}${"]".repeat(200_000)}, 1]`;
    const source = {
      key: "deep",
      dialect: "draft-2020-12" as const,
      content: '{"uniqueItems":true}',
    };
    const err = await failureOf(workers.validate(source, [deep]));
    expect([err.code, err.rawMessage]).toEqual([
      Code.InvalidArgument,
      "too deeply nested to validate",
    ]);
  });
});

describe("the workers' deadline", () => {
  it("stops an overrunning compile with DeadlineExceeded", async () => {
    // The compile takes seconds; 100 ms is far below it, whatever the machine's load.
    const workers = createSchemaWorkers({ threads: 1, deadlineMs: 100 });
    const err = await failureOf(workers.compile(JSON.stringify(branching(12))));
    await workers.close();
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(err.rawMessage).toBe(
      "schema compile took longer than the limit of 100 ms (GUARDIAN_SCHEMA_DEADLINE); " +
        "simplify the schema or the document",
    );
  });

  it("terminates a thread stuck in validation and serves the next call on a fresh one", async () => {
    // A deadline that leaves a fresh thread ample time to start and answer a small call.
    const workers = createSchemaWorkers({ threads: 1, deadlineMs: 5_000 });
    const { slow, items } = minutesOfValidation("slow");
    const err = await failureOf(workers.validate(slow, [items]));
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(err.rawMessage).toMatch(/^schema validate took longer than the limit of 5000 ms/);
    const small = { key: "small", dialect: "draft-2020-12" as const, content: '{"type":"string"}' };
    expect(await workers.validate(small, ['"x"', "1"])).toMatchObject([[], [{ keyword: "type" }]]);
    await workers.close();
  });

  it("keep a thread for config writes however many costly checks callers ask for", async () => {
    // A deadline that leaves the write time to start a thread of its own on a loaded machine.
    const workers = createSchemaWorkers({ threads: 2, deadlineMs: 6_000 });
    const { slow, items } = minutesOfValidation("slow-checks");
    const order: string[] = [];
    // Three callers' checks that each run until the deadline, asked for at once.
    const checks = Array.from({ length: 3 }, (_, i) =>
      failureOf(workers.validate(slow, [items], undefined, "check")).then((err) => {
        order.push(`check ${i}: ${Code[err.code]}`);
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    const small = { key: "write", dialect: "draft-2020-12" as const, content: '{"type":"string"}' };
    expect(await workers.validate(small, ['"x"'])).toEqual([[]]);
    order.push("write");
    await Promise.all(checks);
    // The write was answered while every check still held or waited for its thread.
    expect(order[0]).toBe("write");
    expect(order.slice(1).sort()).toEqual([
      "check 0: DeadlineExceeded",
      "check 1: DeadlineExceeded",
      "check 2: DeadlineExceeded",
    ]);
    await workers.close();
  }, 30_000);

  it("refuses calls beyond the queue with ResourceExhausted, and cancelled calls with Canceled", async () => {
    const workers = createSchemaWorkers({ threads: 1, maxQueue: 1 });
    const source = { key: "k", dialect: "draft-2020-12" as const, content: '{"type":"string"}' };
    // One thread and one queue slot: of ten calls made at once, most find no room.
    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, () => workers.validate(source, ['"x"'])),
    );
    const refused = settled.flatMap((r) =>
      r.status === "rejected" ? [ConnectError.from(r.reason)] : [],
    );
    expect(refused.map((e) => e.code)).toContain(Code.ResourceExhausted);
    expect(refused.find((e) => e.code === Code.ResourceExhausted)?.rawMessage).toBe(
      "too many schema checks are waiting for a worker thread; retry later",
    );
    expect(settled.some((r) => r.status === "fulfilled")).toBe(true);
    const err = await failureOf(workers.validate(source, ['"x"'], AbortSignal.abort()));
    expect(err.code).toBe(Code.Canceled);
    await workers.close();
  });

  it("answers Unavailable once closed", async () => {
    const closing = createSchemaWorkers({ threads: 1 });
    await closing.close();
    const err = await failureOf(closing.compile(JSON.stringify({ type: "string" })));
    expect(err.code).toBe(Code.Unavailable);
  });
});

describe("schema workers whose thread fails outside a task", () => {
  it("report it to onError and fail the call, the process going on", async () => {
    const heard: unknown[] = [];
    const broken = createSchemaWorkers({
      threads: 1,
      deadlineMs: 1_000,
      entry: "../testing/broken-worker",
      onError: (err) => heard.push(err),
    });
    try {
      const schema = { key: "broken", dialect: "draft-2020-12" as const, content: "{}" };
      await expect(broken.validate(schema, ["{}"])).rejects.toBeInstanceOf(Error);
      // Piscina emits the thread's failure on the pool besides failing the task: unheard,
      // it would end the process (vitest would report it as an unhandled error).
      await expect.poll(() => heard.length).toBeGreaterThan(0);
    } finally {
      await broken.close();
    }
  });
});
