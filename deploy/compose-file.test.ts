import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeDefaults, readRepoFile } from "./checks.js";
import { ambiguousValues, composeSchemaErrors, parseComposeText } from "./compose-spec.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- compose files are free-form YAML */
type Service = Record<string, any>;

let text: string;
let services: Record<string, Service>;

beforeAll(async () => {
  text = await readRepoFile("docker-compose.yml");
  services = parseComposeText(text)["services"] as Record<string, Service>;
});

/**
 * What each image can run a health probe with (facts about the pinned images): its programs,
 * and whether `CMD-SHELL` has a POSIX shell with what the probe needs.
 */
const probeTools: Record<string, { programs: string[]; shell: boolean }> = {
  // node:20 bookworm-slim: node; no curl, no wget.
  "guardian/guardian": { programs: ["node"], shell: false },
  "guardian/ratelimit": { programs: ["node"], shell: false },
  postgres: { programs: ["pg_isready"], shell: false },
  // Debian: sh (dash), grep, redis-cli.
  redis: { programs: ["redis-cli", "grep"], shell: true },
  // Distroless: no shell at all; etcdctl ships beside etcd.
  "quay.io/coreos/etcd": { programs: ["etcdctl"], shell: false },
  // ubi9-micro: bash; no curl, no wget (the probe uses bash alone).
  "quay.io/keycloak/keycloak": { programs: ["bash"], shell: false },
  // Ubuntu with the envoy binary: sh is dash (no /dev/tcp); bash is there; no curl, no wget.
  "envoyproxy/envoy": { programs: ["bash"], shell: false },
  // Busybox: its wget.
  "prom/prometheus": { programs: ["wget"], shell: true },
};

const repository = (image: string) => image.replace(/:[^/:]+$/, "");

describe("docker-compose.yml, read as docker compose reads it", () => {
  it("parses with every key written once and no YAML problem", () => {
    expect(() => parseComposeText(text)).not.toThrow();
    expect(() => parseComposeText("services:\n  a: {}\n  a: {}\n")).toThrow(/unique/i);
  });

  it("holds no value that YAML 1.1 and YAML 1.2 read differently", () => {
    expect(ambiguousValues(text)).toEqual([]);
    expect(
      ambiguousValues("a: on\nb: 'on'\nports: [22:22, '22:22']\nmode: 0755\ncount: 1_000\n"),
    ).toEqual(["/a", "/ports/0", "/mode", "/count"]);
  });

  it("follows the Compose Specification's JSON Schema", async () => {
    expect(await composeSchemaErrors(parseComposeText(text))).toEqual([]);
  });

  it("fails the schema where compose fails: an unknown key, a health check read as a mapping", async () => {
    const doc = parseComposeText(text) as any;
    doc.services.auth.helthcheck = doc.services.auth.healthcheck;
    expect((await composeSchemaErrors(doc)).join("\n")).toMatch(/\/services\/auth .*helthcheck/);
    const unquoted = parseComposeText(
      "services:\n  a:\n    image: x:1\n    healthcheck:\n      test:\n        - CMD\n        - node\n        - -e\n        - process.exit(ok ? 0: 1)\n",
    );
    expect((await composeSchemaErrors(unquoted)).join("\n")).toMatch(/healthcheck\/test/);
  });

  it("writes every command, entrypoint and health check as an exec list of strings", () => {
    for (const [name, s] of Object.entries(services)) {
      for (const key of ["command", "entrypoint"]) {
        if (s[key] === undefined) continue;
        expect(Array.isArray(s[key]), `${name}.${key} is a list`).toBe(true);
        for (const arg of s[key]) expect(typeof arg, `${name}.${key}: ${arg}`).toBe("string");
      }
      const test = s["healthcheck"]?.test as unknown[] | undefined;
      if (test === undefined) continue;
      expect(Array.isArray(test), `${name} health check is a list`).toBe(true);
      for (const arg of test)
        expect(typeof arg, `${name} health check: ${String(arg)}`).toBe("string");
      expect(["CMD", "CMD-SHELL"], name).toContain(test[0]);
      if (test[0] === "CMD-SHELL") expect(test, name).toHaveLength(2);
      for (const [variable, value] of Object.entries(s["environment"] ?? {})) {
        expect(typeof value, `${name}: ${variable} is a string`).toBe("string");
      }
    }
  });

  it("probes each container's health only with programs its image has", () => {
    for (const [name, s] of Object.entries(services)) {
      const test = s["healthcheck"]?.test as string[] | undefined;
      if (test === undefined) continue;
      const tools = probeTools[repository(String(s["image"]))];
      expect(tools, `${name}: what does ${s["image"]} have?`).toBeDefined();
      if (test[0] === "CMD") {
        expect(tools?.programs, name).toContain(test[1]);
      } else {
        expect(tools?.shell, `${name}: CMD-SHELL needs a shell in the image`).toBe(true);
        for (const command of (test[1] ?? "").split(/\|\|?|&&|;/)) {
          expect(tools?.programs, `${name}: ${command}`).toContain(command.trim().split(/\s+/)[0]);
        }
      }
    }
  });

  it("builds the images of this repository and never pulls them", () => {
    for (const [name, s] of Object.entries(services)) {
      const local = /^guardian\//.test(String(s["image"]));
      expect(s["build"] !== undefined, `${name} builds its image`).toBe(local);
      if (local) expect(s["pull_policy"], name).toBe("build");
    }
  });
});

describe("the health probes, run here", () => {
  let server: Server;
  let port: number;
  let status = 200;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.httpVersion === "1.1" ? status : 426).end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** Runs a service's probe against the test server (its port put in), as the container would. */
  const probe = (name: string, probePort = port): Promise<number | null> => {
    const [kind, program, ...args] = services[name]?.["healthcheck"].test as string[];
    expect(kind).toBe("CMD");
    const withPort = args.map((a) =>
      composeDefaults(a).replace(/127\.0\.0\.1([:/])\d+/g, `127.0.0.1$1${probePort}`),
    );
    return new Promise((resolve) => {
      const child = spawn(program!, withPort, { stdio: "ignore", timeout: 20_000 });
      child.on("error", () => resolve(null));
      child.on("exit", (code) => resolve(code));
    });
  };

  it("passes the bash probes of Envoy and Keycloak on 200 only", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    for (const name of ["envoy", "keycloak"]) {
      status = 200;
      expect(await probe(name), `${name} ready`).toBe(0);
      status = 503;
      expect(await probe(name), `${name} not ready`).not.toBe(0);
      expect(await probe(name, closed), `${name} not listening`).not.toBe(0);
    }
  });

  it("passes the node probes of the Guardian services on a ready answer only", async () => {
    for (const name of ["auth", "store", "ratelimit"]) {
      status = 200;
      expect(await probe(name), `${name} ready`).toBe(0);
      status = 503;
      expect(await probe(name), `${name} not ready`).not.toBe(0);
    }
  });
});
