import type { Config } from "@guardian/api";
import { kvToConfig } from "../convert.js";
import type { CachedConfig } from "./cache.js";

const configs = new WeakMap<CachedConfig, Config>();

/**
 * The GetConfig view of a cached config, built once per version and shared by every response
 * for it; its content is the cache's own, so it is not parsed again.
 */
export function configOf(cached: CachedConfig): Config {
  let config = configs.get(cached);
  if (config === undefined) {
    config = kvToConfig(cached.kv);
    config.content = cached.content;
    configs.set(cached, config);
  }
  return config;
}
