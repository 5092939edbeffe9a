import { traced } from "@guardian/kit";
import type pg from "pg";

type QueryFn = (...args: unknown[]) => unknown;

const traceable = Symbol("guardian.traced-queries");

/** The statement's text: the string, or the `text` of a query config. */
function statementOf(first: unknown): string {
  if (typeof first === "string") return first;
  const text = (first as { text?: unknown } | null)?.text;
  return typeof text === "string" ? text : "";
}

/** True for the forms that return a promise (no callback, not a submittable like a cursor). */
function returnsPromise(args: unknown[]): boolean {
  if (args.some((a) => typeof a === "function")) return false;
  const first = args[0] as { submit?: unknown } | null;
  return !(typeof first === "object" && first !== null && typeof first.submit === "function");
}

/**
 * Wraps `query` so that each call returning a promise runs in a PostgreSQL client span: named
 * after the statement's first keyword, with `db.system` `postgresql` and the statement's text.
 * Values travel apart from the text (positional parameters), so none is recorded.
 */
function tracedQuery(query: QueryFn): QueryFn {
  return (...args: unknown[]) => {
    if (!returnsPromise(args)) return query(...args);
    const statement = statementOf(args[0]).trim();
    const operation = (/^[A-Za-z]+/.exec(statement)?.[0] ?? "query").toUpperCase();
    const attributes = {
      "db.system": "postgresql",
      "db.system.name": "postgresql",
      "db.operation.name": operation,
      "db.statement": statement,
      "db.query.text": statement,
    };
    return traced(operation, "client", attributes, () => query(...args) as Promise<unknown>);
  };
}

/**
 * Makes every query of `pool` traced: those run by `pool.query` and those of the clients
 * `pool.connect()` hands out (transactions). Callback forms, which the pool uses inside
 * `pool.query`, pass through, so a statement makes one span.
 */
export function traceQueries(pool: pg.Pool): void {
  const poolQuery = pool.query.bind(pool) as QueryFn;
  (pool as unknown as { query: QueryFn }).query = tracedQuery(poolQuery);
  const connect = pool.connect.bind(pool) as QueryFn;
  (pool as unknown as { connect: QueryFn }).connect = (...args: unknown[]) => {
    if (args.length > 0) return connect(...args);
    return (connect() as Promise<pg.PoolClient>).then((client) => {
      const marked = client as pg.PoolClient & { [traceable]?: true };
      if (marked[traceable] !== true) {
        marked[traceable] = true;
        client.query = tracedQuery(client.query.bind(client) as QueryFn) as typeof client.query;
      }
      return client;
    });
  };
}
