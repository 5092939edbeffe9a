import { writeFile } from "node:fs/promises";
import { renderConfigDocs } from "./config-docs.js";

// Regenerates docs/configuration.md from the configuration specs.
await writeFile(new URL("../../../docs/configuration.md", import.meta.url), renderConfigDocs());
