import { describe, expect, it } from "vitest";
import { createLogger, createPrettyStream } from "./logger.js";

function collector(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

describe("createLogger", () => {
  it("writes one JSON line per entry with level, time, name and bound fields", () => {
    const out = collector();
    const logger = createLogger({ level: "info", name: "config", destination: out });
    logger.child({ reqId: "r-1" }).info({ procedure: "/x.v1.X/Get" }, "rpc finished");
    logger.debug("not written below the level");
    expect(out.lines).toHaveLength(1);
    const rec = JSON.parse(out.lines[0] ?? "") as Record<string, unknown>;
    expect(rec).toMatchObject({
      level: 30,
      name: "config",
      reqId: "r-1",
      procedure: "/x.v1.X/Get",
      msg: "rpc finished",
    });
    expect(typeof rec.time).toBe("string");
  });

  it("serializes errors under err with message, stack and cause", () => {
    const out = collector();
    const logger = createLogger({ level: "info", destination: out });
    logger.error({ err: new Error("outer", { cause: new Error("inner") }) }, "failed");
    const rec = JSON.parse(out.lines[0] ?? "") as { err: { message: string; stack: string } };
    expect(rec.err.message).toContain("outer");
    expect(rec.err.stack).toContain("inner");
  });
});

describe("createPrettyStream", () => {
  it("formats a JSON line as time, level, name, message and fields on one line", () => {
    const out = collector();
    const logger = createLogger({
      level: "info",
      name: "auth",
      destination: createPrettyStream(out),
    });
    logger.warn({ reqId: "abc", code: "not_found" }, "rpc finished");
    expect(out.lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN  auth: rpc finished reqId=abc code=not_found\n$/,
    );
  });

  it("passes through lines that are not JSON", () => {
    const out = collector();
    createPrettyStream(out).write("plain text\n");
    expect(out.lines).toEqual(["plain text\n"]);
  });
});
