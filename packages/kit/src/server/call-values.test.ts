import { createContextKey, createContextValues } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { createLogger, loggerKey, type Logger } from "../logging/logger.js";
import { bindCallLogger, createCallValues } from "./call-values.js";

/** A logger that records the bindings of every child made from it. */
function countingLogger() {
  const base = createLogger({ level: "silent" });
  const children: Record<string, unknown>[] = [];
  const logger = Object.create(base) as Logger;
  logger.child = (bindings: Record<string, unknown>) => {
    children.push(bindings);
    return base.child(bindings);
  };
  return { logger, children };
}

describe("createCallValues", () => {
  it("gets, sets and deletes any key as Connect's createContextValues does", () => {
    const key = createContextKey<string>("default");
    const other = createContextKey<number>(7);
    for (const values of [createContextValues(), createCallValues()]) {
      expect(values.get(key)).toBe("default");
      expect(values.set(key, "set")).toBe(values);
      expect(values.get(key)).toBe("set");
      expect(values.get(other)).toBe(7);
      values.set(key, undefined as unknown as string);
      expect(values.get(key)).toBeUndefined();
      expect(values.delete(key)).toBe(values);
      expect(values.get(key)).toBe("default");
      // Without a bound logger, the logger key gives its default.
      expect(values.get(loggerKey)).toBe(loggerKey.defaultValue);
    }
  });

  it("makes the call's child logger once, when it is first asked for", () => {
    const { logger, children } = countingLogger();
    const first = createCallValues();
    const second = createCallValues();
    bindCallLogger(first, logger, "req-1");
    bindCallLogger(second, logger, "req-2");
    expect(children).toEqual([]);
    const child = first.get(loggerKey);
    expect(first.get(loggerKey)).toBe(child);
    expect(children).toEqual([{ reqId: "req-1" }]);
    expect(second.get(loggerKey)).not.toBe(child);
    expect(children).toEqual([{ reqId: "req-1" }, { reqId: "req-2" }]);
  });

  it("lets the logger be replaced and deleted like any value", () => {
    const { logger, children } = countingLogger();
    const values = createCallValues();
    bindCallLogger(values, logger, "req-1");
    const replacement = createLogger({ level: "silent" });
    values.set(loggerKey, replacement);
    expect(values.get(loggerKey)).toBe(replacement);
    expect(children).toEqual([]);
    values.delete(loggerKey);
    expect(values.get(loggerKey)).toBe(loggerKey.defaultValue);
  });

  it("gives values it did not make their child logger at once", () => {
    const { logger, children } = countingLogger();
    const values = createContextValues();
    bindCallLogger(values, logger, "req-9");
    expect(children).toEqual([{ reqId: "req-9" }]);
    expect(values.get(loggerKey)).not.toBe(loggerKey.defaultValue);
  });
});
