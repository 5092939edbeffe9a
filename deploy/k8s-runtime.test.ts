import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { configSpecs } from "@guardian/cli";
import { readConfig, type ConfigSpec } from "@guardian/kit";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { k8sProfile } from "../envoy/profiles.js";
import { envoyEndpoints, readRepoFile } from "./checks.js";
import { containersOf, podSpecs, renderKustomization, type Manifest } from "./k8s-render.js";

// How the pods behave once running: who resolves which Service, what Envoy sees of the client,
// how pods drain on the way out, and the TLS of etcd and the edge.

let objects: Manifest[];
beforeAll(async () => {
  objects = (await renderKustomization("deploy/k8s")).map((r) => r.object);
});

const named = (kind: string, name: string): Manifest => {
  const found = objects.find((o) => o["kind"] === kind && o["metadata"].name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found;
};
const podOf = (kind: string, name: string): Manifest => podSpecs(named(kind, name))[0]!;
const envOf = (c: Manifest): Record<string, string> =>
  Object.fromEntries(((c["env"] as Manifest[]) ?? []).map((e) => [e["name"], e["value"]]));
const guardianDeployments = ["auth", "config", "schema", "cluster", "store", "console"];
const preStopOf = (c: Manifest): string[] => c["lifecycle"].preStop.exec.command;

describe("deploy/k8s at run time", () => {
  it("makes every Service Envoy resolves headless, so STRICT_DNS sees each ready replica", async () => {
    const endpoints = await envoyEndpoints(k8sProfile.output);
    const inNamespace = [...endpoints.values()].filter((e) =>
      objects.some((o) => o["kind"] === "Service" && o["metadata"].name === e.host),
    );
    // The stream clusters reach the same Services as their unary twins.
    expect([...new Set(inNamespace.map((e) => e.host))].sort()).toEqual(
      ["auth", "cluster", "config", "console", "ratelimit", "schema"].sort(),
    );
    for (const { host } of inNamespace) {
      const service = named("Service", host);
      expect(service["spec"].clusterIP, host).toBe("None");
      expect(service["spec"].publishNotReadyAddresses, host).toBeUndefined();
    }
  });

  it("keeps a virtual IP for the store, which the services reach by GUARDIAN_STORE_URL", () => {
    expect(named("Service", "store")["spec"].clusterIP).toBeUndefined();
    for (const app of ["auth", "config", "schema", "cluster"]) {
      const c = containersOf(podOf("Deployment", `guardian-${app}`))[0]!;
      expect(envOf(c)["GUARDIAN_STORE_URL"], app).toBe("http://store:8080");
    }
  });

  it("keeps the client address up to Envoy, which trusts no x-forwarded-for entry", async () => {
    const service = named("Service", "envoy");
    expect(service["spec"].type).toBe("LoadBalancer");
    expect(service["spec"].externalTrafficPolicy).toBe("Local");
    const envoy = containersOf(podOf("Deployment", "guardian-envoy"))[0]!;
    const target = (envoy["ports"] as Manifest[]).find(
      (p) => p["name"] === service["spec"].ports[0].targetPort,
    );
    const config = parse(await readRepoFile(k8sProfile.output)) as Manifest;
    const publicListener = (config["static_resources"].listeners as Manifest[]).find(
      (l) => l["name"] === "public",
    )!;
    expect(target?.["containerPort"]).toBe(publicListener["address"].socket_address.port_value);
    const hcm = publicListener["filter_chains"][0].filters[0].typed_config;
    expect(hcm.use_remote_address).toBe(true);
    expect(hcm.xff_num_trusted_hops ?? 0).toBe(0);
  });

  it("mounts the edge certificate Secret where Envoy's TLS listener reads it", async () => {
    const pod = podOf("Deployment", "guardian-envoy");
    const volume = (pod["volumes"] as Manifest[]).find(
      (v) => v["secret"]?.secretName === "guardian-edge-tls",
    );
    const mount = (containersOf(pod)[0]!["volumeMounts"] as Manifest[]).find(
      (m) => m["name"] === volume?.["name"],
    );
    expect(mount).toMatchObject({ mountPath: "/etc/envoy-tls", readOnly: true });
    expect(mount?.["subPath"]).toBeUndefined();
    const config = parse(await readRepoFile(k8sProfile.output)) as Manifest;
    const publicListener = (config["static_resources"].listeners as Manifest[]).find(
      (l) => l["name"] === "public",
    )!;
    const tls = publicListener["filter_chains"][0].transport_socket.typed_config;
    const [cert] = tls.common_tls_context.tls_certificates as Manifest[];
    expect(cert?.["certificate_chain"].filename).toBe("/etc/envoy-tls/tls.crt");
    expect(cert?.["private_key"].filename).toBe("/etc/envoy-tls/tls.key");
  });

  it("drains Envoy gracefully before SIGTERM, within the grace period", () => {
    const pod = podOf("Deployment", "guardian-envoy");
    const envoy = containersOf(pod)[0]!;
    const args = envoy["args"] as string[];
    const drainTime = Number(args[args.indexOf("--drain-time-s") + 1]);
    const script = preStopOf(envoy)[2]!;
    expect(preStopOf(envoy).slice(0, 2)).toEqual(["/bin/bash", "-c"]);
    const wait = Number(/^sleep (\d+)$/m.exec(script)?.[1]);
    expect(wait).toBeGreaterThan(drainTime);
    // The drain request may take up to 5 s (timeout 5) before the wait begins.
    expect(wait + 5).toBeLessThan(pod["terminationGracePeriodSeconds"]);
  });

  it("sends Envoy's admin endpoint a graceful drain request from the preStop script", async () => {
    const requests: string[] = [];
    const admin = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.end("OK\n");
    });
    await new Promise<void>((resolve) => admin.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = admin.address() as AddressInfo;
      const script = preStopOf(containersOf(podOf("Deployment", "guardian-envoy"))[0]!)[2]!;
      const request = script.replace("127.0.0.1/9901", `127.0.0.1/${port}`);
      expect(request).not.toBe(script);
      await promisify(execFile)("/bin/bash", ["-c", request.replace(/^sleep \d+$/m, "")]);
      expect(requests).toEqual(["POST /drain_listeners?graceful"]);
    } finally {
      admin.close();
    }
  });

  it("gives every Guardian pod time to leave DNS, then drain calls, before it is killed", () => {
    for (const name of [...guardianDeployments, "ratelimit"]) {
      const spec = configSpecs[name === "ratelimit" ? "ratelimit" : "process"] as ConfigSpec;
      const pod = podOf("Deployment", `guardian-${name}`);
      const c = containersOf(pod)[0]!;
      expect(preStopOf(c)[0], name).toBe("sleep");
      const pause = Number(preStopOf(c)[1]);
      // Envoy re-resolves every 5 s and DNS answers live 5 s: the pod stays serving meanwhile.
      expect(pause, name).toBeGreaterThanOrEqual(10);
      const { shutdownTimeoutMs } = readConfig(envOf(c), {
        shutdownTimeoutMs: spec["shutdownTimeoutMs"]!,
      }) as { shutdownTimeoutMs: number };
      // kit's shutdown: drain for the timeout, then at most 5 s of cleanup.
      expect(pause + shutdownTimeoutMs / 1000 + 5, name).toBeLessThan(
        pod["terminationGracePeriodSeconds"],
      );
    }
  });

  it("places one etcd member per node and speaks mutual TLS between members and with clients", () => {
    const etcd = named("StatefulSet", "etcd");
    const pod = podOf("StatefulSet", "etcd");
    const [term] = pod["affinity"].podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    expect(term.topologyKey).toBe("kubernetes.io/hostname");
    expect(term.labelSelector.matchLabels).toEqual({
      "app.kubernetes.io/name": etcd["spec"].template.metadata.labels["app.kubernetes.io/name"],
    });
    const c = containersOf(pod)[0]!;
    const flags = Object.fromEntries(
      (c["command"] as string[]).slice(1).map((f) => {
        const at = f.indexOf("=");
        return [f.slice(2, at), f.slice(at + 1)];
      }),
    ) as Record<string, string>;
    for (const key of ["listen-client-urls", "advertise-client-urls", "listen-peer-urls"]) {
      expect(flags[key], key).toMatch(/^https:\/\//);
    }
    const members = Array.from({ length: etcd["spec"].replicas as number }, (_, i) => `etcd-${i}`);
    expect(flags["initial-cluster"]).toBe(
      members.map((m) => `${m}=https://${m}.${etcd["spec"].serviceName}:2380`).join(","),
    );
    expect(flags["client-cert-auth"]).toBe("true");
    expect(flags["peer-client-cert-auth"]).toBe("true");
    const tlsDir = mountedSecret(pod, c, "etcd-tls");
    for (const key of ["cert-file", "peer-cert-file"]) expect(flags[key]).toBe(`${tlsDir}/tls.crt`);
    for (const key of ["key-file", "peer-key-file"]) expect(flags[key]).toBe(`${tlsDir}/tls.key`);
    for (const key of ["trusted-ca-file", "peer-trusted-ca-file"])
      expect(flags[key]).toBe(`${tlsDir}/ca.crt`);
    // Bootstraps with "new"; the member replacement runbook switches it to "existing".
    expect(flags["initial-cluster-state"]).toBeUndefined();
    expect(envOf(c)["ETCD_INITIAL_CLUSTER_STATE"]).toBe("new");
    expect(etcd["spec"].updateStrategy).toEqual({ type: "OnDelete" });
  });

  it("connects the store and cluster services to etcd over TLS with a client certificate", () => {
    for (const name of ["store", "cluster"]) {
      const pod = podOf("Deployment", `guardian-${name}`);
      const c = containersOf(pod)[0]!;
      const env = envOf(c);
      expect(env["GUARDIAN_STORE_ENGINE"], name).toBe("etcd");
      const endpoints = env["ETCD_ENDPOINTS"]!.split(",");
      expect(endpoints, name).toEqual([0, 1, 2].map((i) => `https://etcd-${i}.etcd:2379`));
      const dir = mountedSecret(pod, c, "etcd-client-tls");
      expect(env["ETCD_CA_FILE"], name).toBe(`${dir}/ca.crt`);
      expect(env["ETCD_CERT_FILE"], name).toBe(`${dir}/tls.crt`);
      expect(env["ETCD_KEY_FILE"], name).toBe(`${dir}/tls.key`);
    }
  });
});

/** Where a container mounts a Secret volume (whole, read-only); fails when it does not. */
function mountedSecret(pod: Manifest, container: Manifest, secretName: string): string {
  const volume = (pod["volumes"] as Manifest[]).find((v) => v["secret"]?.secretName === secretName);
  const mount = (container["volumeMounts"] as Manifest[]).find(
    (m) => m["name"] === volume?.["name"],
  );
  expect(mount, secretName).toMatchObject({ readOnly: true });
  expect(mount?.["subPath"], secretName).toBeUndefined();
  return mount!["mountPath"] as string;
}
