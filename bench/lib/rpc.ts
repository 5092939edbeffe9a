/** Headers of a unary Connect call with a JSON body. */
export const connectJsonHeaders = {
  "content-type": "application/json",
  "connect-protocol-version": "1",
} as const;

/** The path of a Connect RPC, such as `/guardian.config.v1.ConfigService/ReadConfig`. */
export function rpcPath(service: string, method: string): string {
  return `/guardian.${service.toLowerCase().replace(/service$/, "")}.v1.${service}/${method}`;
}

/**
 * Calls a Guardian RPC with the Connect protocol (unary POST, JSON) and returns the decoded
 * response; throws with the Connect error when the answer is not 200.
 */
export async function callRpc<T = Record<string, unknown>>(
  baseUrl: string,
  service: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<T> {
  const res = await fetch(`${baseUrl}${rpcPath(service, method)}`, {
    method: "POST",
    headers: { ...connectJsonHeaders, ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${service}/${method}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/**
 * The value of an unlabelled gauge from the server's `/metrics` (Prometheus text format), or
 * undefined when the server does not export it.
 */
export async function readGauge(baseUrl: string, name: string): Promise<number | undefined> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== 200) return undefined;
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}
