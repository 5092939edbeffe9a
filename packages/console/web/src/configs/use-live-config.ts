import { useCallback, useEffect, useState } from "react";
import { ChangeType, type Config } from "@guardian/api";
import { describeError } from "../api/errors.js";
import { useClients } from "../auth/use-session.js";
import { followChanges, type LiveState } from "./watch.js";

/** One config as the server last told this page, kept current. */
export interface LiveConfig {
  /** The newest state known; undefined until loaded. */
  readonly latest: Config | undefined;
  /** The revision that deleted the config, when it is gone. */
  readonly deletedAt: bigint | undefined;
  readonly state: LiveState;
  readonly error: string | undefined;
  /** Tells the view of a state the page learnt itself (its own save, a re-read). */
  offer(config: Config): void;
}

/** Loads a config (GetConfig) and follows Watch on its key from the read's revision. */
export function useLiveConfig(project: string, key: string): LiveConfig {
  const clients = useClients();
  const [latest, setLatest] = useState<Config>();
  const [deletedAt, setDeletedAt] = useState<bigint>();
  const [error, setError] = useState<string>();
  const [state, setState] = useState<LiveState>("reconnecting");
  const offer = useCallback((config: Config) => {
    setLatest((known) => (known === undefined || config.version > known.version ? config : known));
    setDeletedAt((at) => (at !== undefined && config.version > at ? undefined : at));
  }, []);
  useEffect(() => {
    const abort = new AbortController();
    const { signal } = abort;
    void (async () => {
      let revision: bigint;
      try {
        const res = await clients.config.getConfig({ project, key }, { signal });
        if (res.config === undefined) throw new Error("the server answered without the config");
        revision = res.revision;
        offer(res.config);
      } catch (err) {
        if (!signal.aborted) setError(describeError(err));
        return;
      }
      await followChanges(
        clients,
        project,
        { case: "key", value: key },
        revision,
        {
          onChange(event) {
            if (event.type === ChangeType.DELETE) setDeletedAt(event.revision);
            else if (event.config !== undefined) offer(event.config);
          },
          onSnapshot(configs, at) {
            const [config] = configs;
            if (config === undefined) setDeletedAt(at);
            else offer(config);
          },
          onState: setState,
          onFatal: (err) => setError(describeError(err)),
        },
        signal,
      );
    })();
    return () => abort.abort();
  }, [clients, project, key, offer]);
  return { latest, deletedAt, state, error, offer };
}
