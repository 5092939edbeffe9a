import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Command } from "commander";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateTypes, type CodegenSchema } from "./codegen.js";
import { printJson } from "./output.js";
import { allPages } from "./pages.js";
import { createProgress } from "./progress.js";
import { openSession, type GlobalOptions } from "./session.js";

/** Writes a file only when its text changed, whole (a temporary file, then a rename). */
async function writeIfChanged(path: string, text: string): Promise<boolean> {
  const old = await readFile(path, "utf8").catch(() => undefined);
  if (old === text) return false;
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
  return true;
}

/** `guardian codegen`: TypeScript types for a project's schemas. */
export function codegenCommand(): Command {
  return new Command("codegen")
    .description("Write TypeScript types for every schema of a project (latest versions)")
    .requiredOption("--project <project>", "the project")
    .requiredOption("--out <dir>", "the folder to write <schema-name>.ts and index.ts to")
    .action(async (opts: { project: string; out: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const session = await openSession(globals);
      const project = opts.project;
      const listed = await allPages(async (pageToken, pageSize) => {
        const page = await session.schema.listSchemas({ project, pageSize, pageToken });
        return { items: page.schemas, next: page.nextPageToken };
      });
      const schemas: CodegenSchema[] = [];
      const progress = createProgress();
      try {
        for (const [i, s] of listed.entries()) {
          progress.update(`reading schema ${i + 1} of ${listed.length}: ${s.name}`);
          const { schemaVersion } = await session.schema.getSchema({ project, name: s.name });
          schemas.push({
            name: s.name,
            version: schemaVersion!.version,
            document: toJson(ValueSchema, schemaVersion!.contentValue!),
          });
        }
      } finally {
        progress.done();
      }
      // Loaded only here: the code generator and its formatter are large.
      const { compile } = await import("json-schema-to-typescript");
      const files = await generateTypes(project, schemas, (schema, name, options) =>
        compile(schema, name, options),
      );
      await mkdir(opts.out, { recursive: true });
      const written: string[] = [];
      for (const file of files) {
        if (await writeIfChanged(join(opts.out, file.path), file.text)) written.push(file.path);
      }
      if (globals.output === "json") {
        return printJson({ files: files.map((f) => f.path), written });
      }
      process.stdout.write(
        `${files.length} file(s) in ${opts.out} for ${schemas.length} schema(s) of ${project}; ` +
          `${written.length} changed\n`,
      );
    });
}
