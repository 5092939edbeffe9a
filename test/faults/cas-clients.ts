import { fromJson, toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import type { Value } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import type { Transport } from "@connectrpc/connect";
import { ConfigService, VersionConflictSchema } from "@guardian/api";
import { sleep } from "@guardian/kit";
import { createHistoryRecorder } from "@guardian/testkit";
import type {
  AcknowledgedWrite,
  HistoryRecorder,
  RegisterInput,
  RegisterOutput,
} from "@guardian/testkit";

/** Options of {@link startCasClients}. */
export interface CasClientsOptions {
  /** Client i calls transports[i % transports.length]. */
  readonly transports: readonly Transport[];
  readonly headers: Record<string, string>;
  readonly project: string;
  /** Each key's version when the clients start. */
  readonly keys: ReadonlyMap<string, bigint>;
  readonly clients: number;
  /** Deadline of each call; a call past it has an unknown outcome. */
  readonly callTimeoutMs: number;
}

/** Concurrent clients running reads and compare-and-sets, as started by {@link startCasClients}. */
export interface CasClients {
  readonly history: HistoryRecorder<RegisterInput, RegisterOutput>;
  /** Writes acknowledged so far. */
  readonly acknowledged: AcknowledgedWrite[];
  /** Failed calls so far, by code name (Aborted excluded). */
  readonly failures: Map<string, number>;
  /** The first message of each failure code seen. */
  readonly examples: Map<string, string>;
  /** Stops the clients and waits for their calls in flight. */
  stop(): Promise<void>;
}

/** The JSON document a client writes: one unique string. */
export function contentOf(value: string): Value {
  return fromJson(ValueSchema, { w: value });
}

/** The unique string of a document written by {@link contentOf}. */
export function valueOf(content: Value | undefined): string {
  if (content === undefined) return "";
  const json = toJson(ValueSchema, content) as { w?: unknown };
  return typeof json.w === "string" ? json.w : JSON.stringify(json);
}

/**
 * Starts `clients` loops over the config service. Each picks a key and either reads it or
 * updates it with `expected_version` set to the version it last saw of that key. A read asks
 * for at least the newest revision any call has returned by the time it starts (a version
 * conflict's current version included), which is how a client of several API processes
 * reads its own and others' completed writes. A read that fails is dropped (it changed
 * nothing); a write that fails other than with a version conflict has an unknown outcome.
 */
export function startCasClients(opts: CasClientsOptions): CasClients {
  const history = createHistoryRecorder<RegisterInput, RegisterOutput>();
  const acknowledged: AcknowledgedWrite[] = [];
  const failures = new Map<string, number>();
  const examples = new Map<string, string>();
  const keys = [...opts.keys.keys()];
  let newest = 0n;
  let stopping = false;
  const seen = (revision: bigint): void => {
    if (revision > newest) newest = revision;
  };
  const failed = (error: unknown): ConnectError => {
    const e = ConnectError.from(error);
    if (e.code !== Code.Aborted) {
      failures.set(Code[e.code], (failures.get(Code[e.code]) ?? 0) + 1);
      if (!examples.has(Code[e.code])) examples.set(Code[e.code], e.message);
    }
    return e;
  };

  async function run(client: number): Promise<void> {
    const config = createClient(ConfigService, opts.transports[client % opts.transports.length]!);
    const call = { headers: opts.headers, timeoutMs: opts.callTimeoutMs };
    const known = new Map(opts.keys);
    for (let n = 0; !stopping; n++) {
      const key = keys[(client + n * 7 + Math.floor(n / 3)) % keys.length]!;
      if (n % 5 < 2) {
        const op = history.invoke(client, key, { kind: "read" });
        try {
          const r = await config.readConfig(
            { project: opts.project, key, minRevision: newest },
            call,
          );
          op.ok({ kind: "read", version: r.etag, value: valueOf(r.content) });
          known.set(key, r.etag);
          seen(r.revision);
        } catch (error) {
          failed(error);
          op.discard();
        }
      } else {
        const value = `c${client}-${n}`;
        const expected = known.get(key)!;
        const op = history.invoke(client, key, { kind: "cas", expected, value });
        try {
          const r = await config.updateConfig(
            { project: opts.project, key, content: contentOf(value), expectedVersion: expected },
            call,
          );
          const version = r.config!.version;
          op.ok({ kind: "written", version });
          acknowledged.push({ partition: key, value, version });
          known.set(key, version);
          seen(r.revision);
        } catch (error) {
          const e = failed(error);
          const current = e.findDetails(VersionConflictSchema)[0]?.currentVersion;
          if (e.code === Code.Aborted && current !== undefined) {
            op.ok({ kind: "conflict", current });
            known.set(key, current);
            // The current version is the revision of the config's last write: returned too.
            seen(current);
          } else {
            op.unknown();
          }
        }
      }
      // A short pause keeps the history a size the checker and the CPU handle easily.
      await sleep(5 + ((client * 13 + n * 29) % 20));
    }
  }

  const loops = Array.from({ length: opts.clients }, (_, i) => run(i));
  return {
    history,
    acknowledged,
    failures,
    examples,
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}
