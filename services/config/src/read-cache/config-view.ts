import type { Config } from "@guardian/api";
import { kvToConfig, type ContentForm } from "../convert.js";
import type { CachedConfig } from "./cache.js";

const views = new WeakMap<CachedConfig, Partial<Record<ContentForm, Config>>>();

/**
 * The GetConfig view of a cached config in one content form, built once per version and form
 * and shared by every response for it. The "value" view's content is the cache's own, so it is
 * not parsed again; the "wire" and "text" views never build it (see {@link ContentForm}).
 */
export function configOf(cached: CachedConfig, form: ContentForm = "value"): Config {
  let forms = views.get(cached);
  if (forms === undefined) {
    forms = {};
    views.set(cached, forms);
  }
  let config = forms[form];
  if (config === undefined) {
    if (form !== "value") config = kvToConfig(cached.kv, form);
    else {
      config = kvToConfig({ ...cached.kv, value: new Uint8Array() });
      config.content = cached.content;
    }
    forms[form] = config;
  }
  return config;
}
