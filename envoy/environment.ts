import { parse } from "yaml";
import type { Endpoint, GatewayEnvironment, JwtIssuer } from "./profiles.js";

type Obj = Record<string, unknown>;

/** A problem in an environment file, naming the file and the field. */
export class EnvironmentError extends Error {
  override readonly name = "EnvironmentError";
}

/** Reads the fields of one object of the file, failing on any it does not know. */
function reader(source: string, path: string, value: unknown, known: readonly string[]) {
  const where = (field: string) => `${source}: ${path === "" ? field : `${path}.${field}`}`;
  if (value === undefined || value === null) {
    throw new EnvironmentError(`${source}: ${path} is required`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EnvironmentError(`${source}: ${path === "" ? "the file" : path} must be a mapping`);
  }
  const o = value as Obj;
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) {
      throw new EnvironmentError(`${where(key)} is not a known field (known: ${known.join(", ")})`);
    }
  }
  const required = (field: string): unknown => {
    if (o[field] === undefined || o[field] === null) {
      throw new EnvironmentError(`${where(field)} is required`);
    }
    return o[field];
  };
  const r = {
    sub: (field: string) => `${path === "" ? "" : `${path}.`}${field}`,
    raw: (field: string) => o[field],
    text(field: string, pattern?: RegExp, what?: string): string {
      const v = required(field);
      if (typeof v !== "string" || v === "" || (pattern !== undefined && !pattern.test(v))) {
        throw new EnvironmentError(`${where(field)} must be ${what ?? "a non-empty string"}`);
      }
      return v;
    },
    integer(field: string, min: number, max: number): number {
      const v = required(field);
      if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
        throw new EnvironmentError(`${where(field)} must be an integer from ${min} to ${max}`);
      }
      return v;
    },
    flag(field: string): boolean {
      const v = required(field);
      if (typeof v !== "boolean")
        throw new EnvironmentError(`${where(field)} must be true or false`);
      return v;
    },
    list(field: string, pattern: RegExp, what: string): string[] {
      const v = required(field);
      if (!Array.isArray(v)) throw new EnvironmentError(`${where(field)} must be a list`);
      return v.map((item, i) => {
        if (typeof item !== "string" || !pattern.test(item)) {
          throw new EnvironmentError(`${where(`${field}[${i}]`)} must be ${what}`);
        }
        return item;
      });
    },
  };
  return r;
}

const hostRe = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const urlRe = /^https?:\/\/[^\s/]+(\/\S*)?$/;
const originRe = /^https?:\/\/[^\s/]+$/;
const absolutePathRe = /^\/\S+$/;
const upstreamNames = ["auth", "config", "schema", "cluster", "ratelimit"] as const;

function endpoint(source: string, path: string, value: unknown, extra: string[] = []): Endpoint {
  const r = reader(source, path, value, ["host", "port", ...extra]);
  return {
    host: r.text("host", hostRe, "a host name or IPv4 address"),
    port: r.integer("port", 1, 65_535),
  };
}

function issuer(source: string, path: string, value: unknown, clusters: string[]): JwtIssuer {
  const r = reader(source, path, value, ["issuer", "jwksUri", "cluster"]);
  return {
    issuer: r.text("issuer", urlRe, "an http(s) URL"),
    jwksUri: r.text("jwksUri", urlRe, "an http(s) URL"),
    cluster: r.text(
      "cluster",
      new RegExp(`^(${clusters.join("|")})$`),
      `one of ${clusters.join(", ")}`,
    ),
  };
}

/**
 * Parses and checks a gateway environment file (YAML, or JSON, which is YAML too): the
 * deployment-specific values of a generated gateway config. Throws an
 * {@link EnvironmentError} that names `source` and the offending field.
 */
export function parseEnvironment(text: string, source: string): GatewayEnvironment {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new EnvironmentError(`${source}: not YAML or JSON: ${(err as Error).message}`);
  }
  const top = reader(source, "", doc, [
    "name",
    "publicPort",
    "metricsPort",
    "upstreams",
    "console",
    "keycloak",
    "otelCollector",
    "issuers",
    "audience",
    "corsOrigins",
    "clientAddress",
    "tls",
  ]);
  const ups = reader(source, "upstreams", top.raw("upstreams"), upstreamNames);
  const upstreams = Object.fromEntries(
    upstreamNames.map((n) => [n, endpoint(source, ups.sub(n), ups.raw(n))]),
  ) as Record<(typeof upstreamNames)[number], Endpoint>;
  const kc = reader(source, "keycloak", top.raw("keycloak"), ["host", "port", "tls"]);
  const iss = reader(source, "issuers", top.raw("issuers"), ["keycloak", "guardian"]);
  const clusters = ["keycloak", ...upstreamNames.filter((n) => n !== "ratelimit")];
  const client = reader(source, "clientAddress", top.raw("clientAddress"), [
    "useRemoteAddress",
    "xffNumTrustedHops",
  ]);
  const tlsValue = top.raw("tls");
  const tls =
    tlsValue === undefined || tlsValue === null
      ? undefined
      : reader(source, "tls", tlsValue, ["certificateChain", "privateKey"]);
  return {
    name: top.text("name", /^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and '-'"),
    publicPort: top.integer("publicPort", 1, 65_535),
    metricsPort: top.integer("metricsPort", 1, 65_535),
    upstreams,
    console: endpoint(source, "console", top.raw("console")),
    keycloak: {
      ...endpoint(source, "keycloak", top.raw("keycloak"), ["tls"]),
      tls: kc.flag("tls"),
    },
    otelCollector: endpoint(source, "otelCollector", top.raw("otelCollector")),
    issuers: {
      keycloak: issuer(source, "issuers.keycloak", iss.raw("keycloak"), clusters),
      guardian: issuer(source, "issuers.guardian", iss.raw("guardian"), clusters),
    },
    audience: top.text("audience"),
    corsOrigins: top.list("corsOrigins", originRe, "an origin such as https://app.example.com"),
    clientAddress: {
      useRemoteAddress: client.flag("useRemoteAddress"),
      xffNumTrustedHops: client.integer("xffNumTrustedHops", 0, 10),
    },
    ...(tls === undefined
      ? {}
      : {
          tls: {
            certificateChain: tls.text("certificateChain", absolutePathRe, "an absolute path"),
            privateKey: tls.text("privateKey", absolutePathRe, "an absolute path"),
          },
        }),
  };
}
