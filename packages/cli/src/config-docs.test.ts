import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { renderConfigDocs } from "./config-docs.js";

describe("docs/configuration.md", () => {
  it("lists every variable the processes read, exactly as the code defines them", async () => {
    const committed = await readFile(
      new URL("../../../docs/configuration.md", import.meta.url),
      "utf8",
    );
    expect(committed, "run `pnpm docs:config` and commit docs/configuration.md").toBe(
      renderConfigDocs(),
    );
  });
});
