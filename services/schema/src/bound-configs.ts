import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import {
  BreakingConfigsSchema,
  ResourceInUseSchema,
  type KeyValue,
  type RangeResponse,
  type StoreService,
} from "@guardian/api";
import { fromStoreError } from "./error-map.js";
import type { SchemaViolation } from "./contract.js";
import { summarizeViolations, validationFailure } from "./engine/violations.js";

/** A store client, as the routes receive it. */
export type StoreClient = Client<typeof StoreService>;

/** Most configs reported as breaking, and most violations reported per config. */
const maxConfigs = 100;
const maxPerConfig = 20;

/** A stored config that does not validate (guardian.v1.ConfigViolations). */
export interface ConfigBreak {
  project: string;
  key: string;
  /** The config's version (the revision of its last write) that was checked. */
  version: bigint;
  violations: SchemaViolation[];
}

/** What checking the configs that follow a schema's latest version found. */
export interface BreakingReport {
  /** The configs that do not validate, by key (at most 100, 20 violations each). */
  breaking: ConfigBreak[];
  breakingCount: bigint;
  checkedCount: bigint;
  /** The store revision every page was read at. */
  revision: bigint;
}

/** Reads the configs bound to a schema page by page; every page is at the first one's revision. */
async function* boundConfigs(
  store: StoreClient,
  project: string,
  schema: string,
  keysOnly: boolean,
  signal: AbortSignal,
): AsyncGenerator<RangeResponse> {
  let pageToken = "";
  do {
    const page = await store
      .range({ project, prefix: "", schema, limit: 1000, pageToken, keysOnly }, { signal })
      .catch((err: unknown) => {
        throw fromStoreError(err);
      });
    yield page;
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
}

/** Validates JSON documents (as text); returns the violations of each, in order. */
export type ValidateTexts = (documents: string[]) => Promise<SchemaViolation[][]>;

/** Most configs, and most bytes of them, validated in one call to the workers. */
const batchConfigs = 100;
const batchBytes = 1024 * 1024;

/** Splits a page of configs into batches, so that each call to the workers stays small. */
function batches(kvs: readonly KeyValue[]): KeyValue[][] {
  const out: KeyValue[][] = [];
  let batch: KeyValue[] = [];
  let bytes = 0;
  for (const kv of kvs) {
    if (
      batch.length > 0 &&
      (batch.length >= batchConfigs || bytes + kv.value.length > batchBytes)
    ) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(kv);
    bytes += kv.value.length;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/**
 * Validates every config that follows the latest version of a schema (schema_version 0)
 * against a candidate version; pinned configs are not affected and not counted.
 */
export async function findBreakingConfigs(
  store: StoreClient,
  project: string,
  schema: string,
  validate: ValidateTexts,
  signal: AbortSignal,
): Promise<BreakingReport> {
  const report: BreakingReport = {
    breaking: [],
    breakingCount: 0n,
    checkedCount: 0n,
    revision: 0n,
  };
  const decoder = new TextDecoder();
  for await (const page of boundConfigs(store, project, schema, false, signal)) {
    report.revision = page.revision;
    const following = page.kvs.filter((kv) => (kv.meta?.schemaVersion ?? 0) === 0);
    for (const batch of batches(following)) {
      const results = await validate(batch.map((kv) => decoder.decode(kv.value)));
      batch.forEach((kv, i) => record(kv, results[i] ?? []));
    }
  }
  return report;

  function record(kv: KeyValue, violations: SchemaViolation[]): void {
    report.checkedCount++;
    if (violations.length === 0) return;
    report.breakingCount++;
    if (report.breaking.length < maxConfigs) {
      report.breaking.push({
        project,
        key: kv.key,
        version: kv.version,
        violations: validationFailure(violations, maxPerConfig).violations,
      });
    }
  }
}

/** Builds the FailedPrecondition error with guardian.v1.BreakingConfigs for a refused version. */
export function breakingConfigsError(report: BreakingReport, what: string): ConnectError {
  const examples = report.breaking
    .slice(0, 3)
    .map((c) => `${c.key} (${summarizeViolations(c.violations)})`)
    .join(", ");
  const more = report.breakingCount > 3n ? ", ..." : "";
  return new ConnectError(
    `${what} would break ${report.breakingCount} config(s) that follow the latest version: ` +
      `${examples}${more}; fix them, pin them to a version, or add the version with force`,
    Code.FailedPrecondition,
    undefined,
    [
      {
        desc: BreakingConfigsSchema,
        value: create(BreakingConfigsSchema, {
          configs: report.breaking,
          totalCount: report.breakingCount,
        }),
      },
    ],
  );
}

/**
 * Fails with FailedPrecondition and guardian.v1.ResourceInUse when any config (not deleted)
 * is bound to the schema, at any version.
 */
export async function assertSchemaUnused(
  store: StoreClient,
  project: string,
  schema: string,
  signal: AbortSignal,
): Promise<void> {
  const usedBy: string[] = [];
  let count = 0n;
  for await (const page of boundConfigs(store, project, schema, true, signal)) {
    for (const kv of page.kvs) {
      count++;
      if (usedBy.length < maxConfigs) usedBy.push(`projects/${project}/configs/${kv.key}`);
    }
  }
  if (count === 0n) return;
  const resource = `projects/${project}/schemas/${schema}`;
  throw new ConnectError(
    `schema "${schema}" is in use by ${count} config(s) (${usedBy.slice(0, 3).join(", ")}${count > 3n ? ", ..." : ""}); ` +
      "bind them to another schema or delete them first",
    Code.FailedPrecondition,
    undefined,
    [
      {
        desc: ResourceInUseSchema,
        value: create(ResourceInUseSchema, { resource, usedBy, usedByCount: count }),
      },
    ],
  );
}
