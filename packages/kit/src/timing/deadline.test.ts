import { getEventListeners, setMaxListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDeadline } from "./deadline.js";

describe("createDeadline", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("aborts with a TimeoutError when the time is up", async () => {
    const { signal } = createDeadline(10);
    expect(signal.aborted).toBe(false);
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect((signal.reason as DOMException).name).toBe("TimeoutError");
    expect((signal.reason as DOMException).message).toContain("10 ms");
  });

  it("aborts with the parent's reason when the parent aborts first, and stops its timer", () => {
    vi.useFakeTimers();
    const parent = new AbortController();
    const { signal } = createDeadline(1_000, parent.signal);
    expect(vi.getTimerCount()).toBe(1);
    const reason = new Error("client went away");
    parent.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("is aborted at once under a parent that already is", () => {
    vi.useFakeTimers();
    const parent = new AbortController();
    parent.abort("gone");
    const deadline = createDeadline(1_000, parent.signal);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBe("gone");
    expect(vi.getTimerCount()).toBe(0);
    deadline.clear();
  });

  it("leaves no timer and no listener on the parent once cleared", () => {
    vi.useFakeTimers();
    const parent = new AbortController();
    setMaxListeners(200, parent.signal);
    const deadlines = Array.from({ length: 100 }, () => createDeadline(5_000, parent.signal));
    expect(vi.getTimerCount()).toBe(100);
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(100);
    for (const d of deadlines) d.clear();
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(0);
    vi.advanceTimersByTime(10_000);
    parent.abort();
    expect(deadlines.every((d) => !d.signal.aborted)).toBe(true);
  });

  it("drops its listener on the parent when the time is up", () => {
    vi.useFakeTimers();
    const parent = new AbortController();
    const { signal } = createDeadline(50, parent.signal);
    vi.advanceTimersByTime(50);
    expect(signal.aborted).toBe(true);
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(0);
  });
});
