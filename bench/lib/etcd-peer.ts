/** etcd keys of the bench live under this prefix. */
export const etcdPrefix = "bench/";

const b64 = (text: string): string => Buffer.from(text).toString("base64");

/** Body of a serializable `POST /v3/kv/range` for one key. */
export function etcdRangeBody(key: string): string {
  return JSON.stringify({ key: b64(etcdPrefix + key), serializable: true });
}

/** Body of `POST /v3/kv/put` writing `value` (JSON text) at `key`. */
export function etcdPutBody(key: string, value: unknown): string {
  return JSON.stringify({ key: b64(etcdPrefix + key), value: b64(JSON.stringify(value)) });
}

/** Writes one key through etcd's JSON gateway. */
export async function etcdPut(endpoint: string, key: string, value: unknown): Promise<void> {
  const res = await fetch(`${endpoint}/v3/kv/put`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: etcdPutBody(key, value),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`etcd put ${key}: HTTP ${res.status} ${text}`);
}

/** The server version an etcd member reports (`3.4.23`), for the peer's name. */
export async function etcdVersion(endpoint: string): Promise<string> {
  const res = await fetch(`${endpoint}/version`);
  const body = (await res.json()) as { etcdserver?: string };
  return body.etcdserver ?? "unknown";
}
