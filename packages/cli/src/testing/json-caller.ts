/** The answer to one Connect JSON call: the HTTP status and the parsed body. */
export interface JsonAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests check the JSON field by field
  json: any;
}

/** Calls RPCs as plain HTTP POSTs of JSON, the way the README's curl examples do. */
export interface JsonCaller {
  /** Sent as `Authorization: Bearer <token>` while not empty. */
  token: string;
  /** POSTs `body` as JSON to `<base URL>/<path>` (path: `guardian.x.v1.XService/Method`). */
  call(path: string, body: unknown): Promise<JsonAnswer>;
}

/** Creates a {@link JsonCaller} for a server whose URL `baseUrl` returns when a call is made. */
export function createJsonCaller(baseUrl: () => string): JsonCaller {
  const caller: JsonCaller = {
    token: "",
    async call(path, body) {
      const res = await fetch(`${baseUrl()}/${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(caller.token ? { authorization: `Bearer ${caller.token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: await res.json() };
    },
  };
  return caller;
}
