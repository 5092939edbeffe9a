import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

// The Redis server is shared by all test files; keys carry a per-file prefix.
const prefix = `testkit-${randomBytes(4).toString("hex")}:`;
const clients: Redis[] = [];

function connect(): Redis {
  const client = new Redis(inject("redis").url, { maxRetriesPerRequest: 1 });
  clients.push(client);
  return client;
}

let redis: Redis;

beforeAll(() => {
  redis = connect();
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit()));
});

describe("the shared Redis server", () => {
  it("returns the value stored with SET", async () => {
    expect(await redis.set(`${prefix}greeting`, "hello ✓")).toBe("OK");
    expect(await redis.get(`${prefix}greeting`)).toBe("hello ✓");
    expect(await redis.get(`${prefix}never-set`)).toBeNull();
  });

  it("counts every INCR from concurrent clients exactly once", async () => {
    const key = `${prefix}counter`;
    const workers = Array.from({ length: 4 }, () => connect());
    const perWorker = 250;
    const results = await Promise.all(
      workers.map((client) =>
        Promise.all(Array.from({ length: perWorker }, () => client.incr(key))),
      ),
    );
    const seen = results.flat().sort((a, b) => a - b);
    // Each INCR saw a distinct value: no increment was lost or applied twice.
    expect(seen).toEqual(Array.from({ length: workers.length * perWorker }, (_, i) => i + 1));
    expect(await redis.get(key)).toBe(String(workers.length * perWorker));
  });
});
