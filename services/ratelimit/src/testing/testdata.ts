import { fileURLToPath } from "node:url";

/** The absolute path of a file under `services/ratelimit/testdata` (limits file corpus). */
export function testdata(name: string): string {
  return fileURLToPath(new URL(`../../testdata/${name}`, import.meta.url));
}
