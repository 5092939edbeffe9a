import { describe, expect, it } from "vitest";
import { isDatabaseNotReady } from "./connect-wait.js";

const failure = (code: string, message = "failed") => Object.assign(new Error(message), { code });

describe("isDatabaseNotReady", () => {
  it("retries a database that is not there yet: refused, reset, unresolvable, starting up", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "57P03", "57P01"]) {
      expect(isDatabaseNotReady(failure(code)), code).toBe(true);
    }
    expect(isDatabaseNotReady(new Error("Connection terminated unexpectedly"))).toBe(true);
  });

  it("gives up at once on what waiting cannot fix: credentials, a missing database, SQL", () => {
    // 28P01 wrong password, 28000 no such role, 3D000 no such database, 42601 syntax error.
    for (const code of ["28P01", "28000", "3D000", "42601"]) {
      expect(isDatabaseNotReady(failure(code)), code).toBe(false);
    }
    expect(isDatabaseNotReady(new Error("self-signed certificate"))).toBe(false);
  });
});
