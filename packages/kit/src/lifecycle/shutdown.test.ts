import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logging/logger.js";
import { onShutdown } from "./shutdown.js";

const logger = createLogger({ level: "silent" });

interface Harness {
  target: EventEmitter;
  exit: (code: number) => void;
  exited: Promise<number>;
  exitCodes: number[];
}

function harness(): Harness {
  const exitCodes: number[] = [];
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  const exit = (code: number): void => {
    exitCodes.push(code);
    resolveExit(code);
  };
  return { target: new EventEmitter(), exit, exited, exitCodes };
}

describe("onShutdown", () => {
  it("runs the steps in order on the first signal and exits 0", async () => {
    const h = harness();
    const order: string[] = [];
    onShutdown(
      logger,
      [
        { name: "stop accepting", run: async () => void order.push("stop") },
        { name: "drain", run: async () => void order.push("drain") },
        { name: "close pool", run: async () => void order.push("pool") },
      ],
      { timeoutMs: 1000, target: h.target, exit: h.exit },
    );
    h.target.emit("SIGTERM");
    expect(await h.exited).toBe(0);
    expect(order).toEqual(["stop", "drain", "pool"]);
  });

  it("still runs later steps after one fails, then exits 1", async () => {
    const h = harness();
    const order: string[] = [];
    onShutdown(
      logger,
      [
        { name: "a", run: () => Promise.reject(new Error("broken")) },
        { name: "b", run: async () => void order.push("b") },
      ],
      { timeoutMs: 1000, target: h.target, exit: h.exit },
    );
    h.target.emit("SIGINT");
    expect(await h.exited).toBe(1);
    expect(order).toEqual(["b"]);
  });

  it("exits 1 when the steps outlast the timeout", async () => {
    const h = harness();
    onShutdown(logger, [{ name: "stuck", run: () => new Promise(() => {}) }], {
      timeoutMs: 50,
      target: h.target,
      exit: h.exit,
    });
    h.target.emit("SIGTERM");
    expect(await h.exited).toBe(1);
  });

  it("exits 1 immediately on a second signal", async () => {
    const h = harness();
    onShutdown(logger, [{ name: "slow", run: () => new Promise(() => {}) }], {
      timeoutMs: 60_000,
      target: h.target,
      exit: h.exit,
    });
    h.target.emit("SIGTERM");
    h.target.emit("SIGTERM");
    expect(await h.exited).toBe(1);
    expect(h.exitCodes).toEqual([1]);
  });

  it("refuses to install twice on the same target until uninstalled", () => {
    const target = new EventEmitter();
    const handle = onShutdown(logger, [], { timeoutMs: 10, target, exit: () => {} });
    expect(() => onShutdown(logger, [], { timeoutMs: 10, target, exit: () => {} })).toThrow(
      /already installed/,
    );
    handle.uninstall();
    expect(target.listenerCount("SIGTERM")).toBe(0);
    onShutdown(logger, [], { timeoutMs: 10, target, exit: () => {} }).uninstall();
  });
});
