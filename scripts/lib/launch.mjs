// The launcher's Node entry: checks the Node version, brings the compiled CLI up to date with
// the sources, then runs it.
const major = Number(process.versions.node.split(".")[0]);
if (major < 20) {
  process.stderr.write(
    `guardian: Node.js 20 or newer is required, found v${process.versions.node}\n`,
  );
  process.exit(1);
}
const { pathToFileURL } = await import("node:url");
const { ensureBuilt } = await import("./build.mjs");
await import(pathToFileURL(await ensureBuilt()).href);
