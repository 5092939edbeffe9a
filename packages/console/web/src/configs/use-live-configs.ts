import { useEffect, useState } from "react";
import { ChangeType, type Config } from "@guardian/api";
import { describeError } from "../api/errors.js";
import { allPages } from "../api/pages.js";
import { useClients } from "../auth/use-session.js";
import { followChanges, type LiveState } from "./watch.js";

/** The list filter: a key prefix and labels every config must carry. */
export interface ConfigFilter {
  readonly prefix: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The configs of a project that match a filter, kept current. */
export interface LiveConfigs {
  readonly configs: readonly Config[] | undefined;
  readonly error: string | undefined;
  readonly state: LiveState;
}

const matches = (config: Config, labels: Readonly<Record<string, string>>) =>
  Object.entries(labels).every(([k, v]) => config.labels[k] === v);

const byKey = (a: Config, b: Config) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Lists the project's configs that match `filter` (ListConfigs, every page), then follows
 * Watch on the filter's prefix from the listing's revision: creations, changes and deletions
 * by anyone appear as they commit.
 */
export function useLiveConfigs(project: string, filter: ConfigFilter): LiveConfigs {
  const clients = useClients();
  const [configs, setConfigs] = useState<Config[]>();
  const [error, setError] = useState<string>();
  const [state, setState] = useState<LiveState>("reconnecting");
  const { prefix } = filter;
  const labelKey = JSON.stringify(filter.labels);
  useEffect(() => {
    const labels = JSON.parse(labelKey) as Record<string, string>;
    const abort = new AbortController();
    const { signal } = abort;
    setConfigs(undefined);
    setError(undefined);
    setState("reconnecting");
    const upsert = (list: Config[], config: Config) =>
      [...list.filter((c) => c.key !== config.key), config].sort(byKey);
    void (async () => {
      let revision = 0n;
      try {
        const listed = await allPages(async (pageToken) => {
          const res = await clients.config.listConfigs(
            { project, prefix, labelSelector: labels, pageToken, pageSize: 500 },
            { signal },
          );
          revision = res.revision;
          return { items: res.configs, nextPageToken: res.nextPageToken };
        });
        if (signal.aborted) return;
        setConfigs(listed);
      } catch (err) {
        if (!signal.aborted) setError(describeError(err));
        return;
      }
      await followChanges(
        clients,
        project,
        { case: "prefix", value: prefix },
        revision,
        {
          onChange(event) {
            const config = event.config;
            if (config === undefined) return;
            setConfigs((list = []) =>
              event.type === ChangeType.DELETE || !matches(config, labels)
                ? list.filter((c) => c.key !== config.key)
                : upsert(list, { ...config, content: undefined }),
            );
          },
          onSnapshot(snapshot) {
            setConfigs(
              snapshot
                .filter((c) => matches(c, labels))
                .map((c) => ({ ...c, content: undefined }))
                .sort(byKey),
            );
          },
          onState: setState,
          onFatal: (err) => setError(describeError(err)),
        },
        signal,
      );
    })();
    return () => abort.abort();
  }, [clients, project, prefix, labelKey]);
  return { configs, error, state };
}
