import type { DescMethod } from "@bufbuild/protobuf";
import { guardianServices } from "@guardian/api";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  badRequests,
  inputClasses,
  type BadRequest,
  type InputClass,
} from "./properties/arbitraries.js";
import { baseRequest } from "./properties/bases.js";
import { expectedCodes } from "./properties/expectations.js";
import { names, startPropsServer, type PropsServer } from "./properties/fixture.js";
import { rawCall, type RawAnswer } from "./properties/raw-call.js";
import { regressions } from "./properties/regressions.js";
import { readState } from "./properties/state.js";

const rpcs: DescMethod[] = guardianServices.flatMap((service) => service.methods);
const seed = Number(process.env["FC_SEED"] ?? 20_261_130);
const numRuns = Number(process.env["FC_RUNS"] ?? 3);
const maxRequestBytes = 4 * 1024 * 1024;
const concurrency = 4;

function rpcName(method: DescMethod): string {
  return `${method.parent.name}.${method.name}`;
}

/** A seed per RPC and class, derived from the suite's seed, so one replays alone. */
function seedOf(method: DescMethod, inputClass: InputClass): number {
  let h = seed | 0;
  for (const c of `${rpcName(method)}/${inputClass}`) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}

async function mapLimit<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * Runs the property of one class on one RPC: every generated request gets one of the
 * expected codes. Returns the shrunk counterexample's report, or undefined when it held.
 */
async function checkRpc(
  server: PropsServer,
  method: DescMethod,
  inputClass: InputClass,
): Promise<string | undefined> {
  const arbitrary = badRequests(method, inputClass, maxRequestBytes);
  if (!arbitrary) return undefined;
  const expected = expectedCodes(method, inputClass);
  let last: { bad: BadRequest; answer: RawAnswer } | undefined;
  const result = await fc.check(
    fc.asyncProperty(arbitrary, async (bad) => {
      // An HTTP/1.1 server that refuses a body it has not read closes the connection, and
      // the client may see that before the answer: oversized bodies travel over h2c.
      const h2 = inputClass === "oversized";
      const answer = await rawCall(server.url, method, bad.wire, bad.body, server.headers, { h2 });
      last = { bad, answer };
      return (expected as readonly string[]).includes(answer.code);
    }),
    // Each oversized request moves over 4 MiB: two per RPC are enough.
    {
      seed: seedOf(method, inputClass),
      numRuns: inputClass === "oversized" ? Math.min(numRuns, 2) : numRuns,
      endOnFailure: true,
    },
  );
  if (!result.failed) return undefined;
  const { bad, answer } = last!;
  return (
    `${rpcName(method)} ${inputClass} over ${bad?.wire}: ${bad?.what} → ` +
    `${answer?.code} (${answer?.message.slice(0, 160)}), expected ${expected.join(" or ")}` +
    ` [seed ${seedOf(method, inputClass)}]`
  );
}

describe("every RPC refuses bad input with the right code, stays up and changes nothing", () => {
  let server: PropsServer;
  let before: Record<string, unknown>;

  beforeAll(async () => {
    console.log(`rpc properties: FC_SEED=${seed} FC_RUNS=${numRuns}`);
    server = await startPropsServer();
    before = await readState(server.clients);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  it("has a base request and an expectation for every RPC of every service", () => {
    expect(rpcs.length).toBeGreaterThan(70);
    expect(rpcs.filter((m) => baseRequest(m) === undefined).map(rpcName)).toEqual([]);
    for (const inputClass of inputClasses) {
      const missing = rpcs.filter((m) => expectedCodes(m, inputClass).length === 0);
      expect(missing.map(rpcName), inputClass).toEqual([]);
    }
    // Every RPC meets at least four classes (an empty request has no string to corrupt).
    for (const m of rpcs) {
      const applicable = inputClasses.filter((c) => badRequests(m, c, maxRequestBytes));
      expect(applicable.length, rpcName(m)).toBeGreaterThanOrEqual(4);
    }
  });

  it("answers each counterexample the properties found with its code, changing nothing", async () => {
    const answers = await mapLimit(regressions, async (r) => {
      const answer = await rawCall(server.url, r.method, r.wire, r.body, server.headers);
      return `${r.name}: ${answer.code}`;
    });
    expect(answers).toEqual(regressions.map((r) => `${r.name}: ${r.expected}`));
    expect(await readState(server.clients)).toEqual(before);
  });

  for (const inputClass of inputClasses) {
    it(`answers ${inputClass} requests with ${inputClass === "oversized" ? "ResourceExhausted" : "the expected code"}, never Internal`, async () => {
      const failures = (await mapLimit(rpcs, (m) => checkRpc(server, m, inputClass))).filter(
        (f): f is string => f !== undefined,
      );
      // The process still answers, a known-good call still works, and nothing changed.
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      const config = await server.clients.config.getConfig({
        project: names.project,
        key: names.key,
      });
      expect(config.config?.key).toBe(names.key);
      expect(await readState(server.clients)).toEqual(before);
      expect(failures).toEqual([]);
    }, 180_000);
  }
});
