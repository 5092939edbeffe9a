import type { NodeRequest } from "./node-http.js";

/** Leading or trailing HTTP whitespace, which a Headers object strips from values. */
const edgeWhitespace = /^[\t\n\r ]+|[\t\n\r ]+$/g;

const isEdge = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

function normalize(value: string): string {
  if (value.length === 0) return value;
  const edged = isEdge(value.charCodeAt(0)) || isEdge(value.charCodeAt(value.length - 1));
  return edged ? value.replace(edgeWhitespace, "") : value;
}

type Method = (...args: unknown[]) => unknown;

/**
 * The request headers of a Node request (without HTTP/2 pseudo-headers) as a Headers
 * object that copies them only when needed: `get` and `has` read Node's parsed headers
 * directly, and the first other use (iteration, a change) copies them all in, after which
 * it is a plain Headers object. A class, since Headers is one: most calls only ever ask for
 * a header or two, and a full copy per call would be most of their header work.
 *
 * Defined on first use: Node 20 loads its Fetch API implementation (`Headers` and the rest,
 * 20-45 ms) when one of its globals is first read, and a start serves no request yet.
 */
function defineNodeRequestHeaders() {
  const inherited = Headers.prototype as unknown as Record<string | symbol, Method>;
  const append = inherited["append"]!;
  const get = inherited["get"]!;

  class NodeRequestHeaders extends Headers {
    #req: NodeRequest | undefined;

    constructor(req: NodeRequest) {
      super();
      this.#req = req;
    }

    #copy(): void {
      const req = this.#req;
      if (req === undefined) return;
      this.#req = undefined;
      for (const [name, value] of Object.entries(req.headers)) {
        if (name.startsWith(":") || value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) append.call(this, name, v);
      }
    }

    #get(name: string): string | null {
      const req = this.#req;
      if (req === undefined) return get.call(this, name) as string | null;
      const key = String(name).toLowerCase();
      if (key.startsWith(":")) return null;
      const value = req.headers[key];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.map(normalize).join(", ") : normalize(value);
    }

    static {
      // The typings declare Headers' methods as properties, so they are replaced here.
      const define = (name: string | symbol, value: Method): void => {
        Object.defineProperty(NodeRequestHeaders.prototype, name, {
          value,
          writable: true,
          configurable: true,
        });
      };
      define("get", function (this: NodeRequestHeaders, name: unknown) {
        return this.#get(name as string);
      });
      define("has", function (this: NodeRequestHeaders, name: unknown) {
        return this.#get(name as string) !== null;
      });
      // Everything else needs the copy first; then the inherited method runs.
      const copying = [
        "append",
        "set",
        "delete",
        "getSetCookie",
        "forEach",
        "entries",
        "keys",
        "values",
        Symbol.iterator,
      ];
      for (const name of copying) {
        const method = inherited[name]!;
        define(name, function (this: NodeRequestHeaders, ...args: unknown[]) {
          this.#copy();
          return method.apply(this, args);
        });
      }
    }
  }
  return NodeRequestHeaders;
}

/**
 * Returns a Node request's headers (no HTTP/2 pseudo-headers) as a Headers object that
 * reads Node's parsed headers until something needs a copy of them all.
 */
export function requestHeaders(req: NodeRequest): Headers {
  NodeRequestHeaders ??= defineNodeRequestHeaders();
  return new NodeRequestHeaders(req);
}

let NodeRequestHeaders: ReturnType<typeof defineNodeRequestHeaders> | undefined;
