// The launcher's Node entry: brings the compiled CLI up to date with the sources, then runs it.
import { pathToFileURL } from "node:url";
import { ensureBuilt } from "./build.mjs";

await import(pathToFileURL(await ensureBuilt()).href);
