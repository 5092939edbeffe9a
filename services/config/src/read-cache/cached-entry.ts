import type { Value } from "@bufbuild/protobuf/wkt";
import type { KeyValue } from "@guardian/api";
import { contentOf } from "../convert.js";
import type { CachedConfig } from "./cache.js";

/**
 * A cached config version. Its content is parsed on the first read of the version, not when
 * the change arrives: a process whose configs change more often than they are read (many
 * writes to one config, say) parses only what it serves.
 */
export class CachedEntry implements CachedConfig {
  readonly version: bigint;
  #content: Value | undefined;

  constructor(readonly kv: KeyValue) {
    this.version = kv.version;
  }

  get content(): Value {
    return (this.#content ??= contentOf(this.kv.value)!);
  }
}
