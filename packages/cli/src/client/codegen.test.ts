import { describe, expect, it } from "vitest";
import { UsageError } from "../usage-error.js";
import { generateTypes, typeNameOf } from "./codegen.js";

// A stand-in for the code generator: these tests are about naming and ordering only.
const compile = async (schema: object, name: string, options: object) =>
  `${(options as { bannerComment: string }).bannerComment}\nexport type ${name} = ${JSON.stringify(schema)};\n`;

describe("codegen naming and ordering", () => {
  it("names types after schemas in PascalCase", () => {
    expect(typeNameOf("limits")).toBe("Limits");
    expect(typeNameOf("eu.db-pool")).toBe("EuDbPool");
    expect(typeNameOf("rate_limits.v2")).toBe("RateLimitsV2");
  });

  it("orders files by schema name whatever the input order, with the index last", async () => {
    const a = await generateTypes(
      "p",
      [
        { name: "zeta", version: 1, document: {} },
        { name: "alpha", version: 3, document: true },
      ],
      compile,
    );
    const b = await generateTypes(
      "p",
      [
        { name: "alpha", version: 3, document: true },
        { name: "zeta", version: 1, document: {} },
      ],
      compile,
    );
    expect(a).toEqual(b);
    expect(a.map((f) => f.path)).toEqual(["alpha.ts", "zeta.ts", "index.ts"]);
    expect(a[0]!.text).toContain("export type Alpha = unknown;");
    expect(a[2]!.text).toContain(
      'export type { Alpha } from "./alpha.js";\nexport type { Zeta } from "./zeta.js";',
    );
  });

  it("drops the root title so that it cannot rename the type, and refuses clashing names", async () => {
    const [file] = await generateTypes(
      "p",
      [{ name: "limits", version: 1, document: { title: "Other", type: "object" } }],
      compile,
    );
    expect(file!.text).toContain('export type Limits = {"type":"object"};');
    await expect(
      generateTypes(
        "p",
        [
          { name: "a-b", version: 1, document: {} },
          { name: "a.b", version: 1, document: {} },
        ],
        compile,
      ),
    ).rejects.toThrow(UsageError);
  });
});
