import { Namespace } from "kubernetes-models/v1/Namespace";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";

/** A model class of kubernetes-models: its prototype's `validate` checks `this` against the schema. */
interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  readonly prototype: { validate(): void };
}

/**
 * The kinds the manifests may use, each with the schema it is checked against: the Kubernetes
 * OpenAPI schemas (kubernetes-models) and the prometheus-operator CRD schemas
 * (@kubernetes-models/prometheus-operator).
 */
const models: readonly ModelClass[] = [
  Namespace,
  ConfigMap,
  Secret,
  Service,
  Deployment,
  StatefulSet,
  Job,
  PodDisruptionBudget,
  HorizontalPodAutoscaler,
  NetworkPolicy,
  ServiceMonitor,
  PodMonitor,
  PrometheusRule,
];

const byType = new Map(models.map((m) => [`${m.apiVersion}/${m.kind}`, m]));

/** What {@link checkManifest} found wrong with one object; empty when it is valid. */
export interface SchemaProblems {
  /** Schema violations (types, enums, required fields, formats), as `path message`. */
  violations: string[];
  /** JSON pointers of fields the schema does not define (the API server's strict field validation). */
  unknownFields: string[];
}

/**
 * Checks one Kubernetes object against the schema of its apiVersion and kind, and reports
 * fields the schema does not know. An unknown apiVersion/kind is a violation.
 *
 * The schemas' compiled validators accept unknown fields, so the object is validated through a
 * proxy that records which fields the validator looked at: a field it never read is unknown.
 * An object whose every key was enumerated (a map such as labels) or of which no field was read
 * (a free-form value) has no unknown fields.
 */
export function checkManifest(object: Record<string, unknown>): SchemaProblems {
  const type = `${String(object["apiVersion"])}/${String(object["kind"])}`;
  const model = byType.get(type);
  if (model === undefined) return { violations: [`no schema for ${type}`], unknownFields: [] };
  const reads = new Map<object, Set<string>>();
  const violations: string[] = [];
  try {
    model.prototype.validate.call(watchReads(object, reads));
  } catch (err) {
    const errors = (err as { errors?: { instancePath: string; message?: string }[] }).errors;
    violations.push(
      ...(errors?.map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`) ?? [
        String(err),
      ]),
    );
  }
  return { violations, unknownFields: unreadFields(object, reads, "") };
}

const ALL = "\0all";

function watchReads(value: unknown, reads: Map<object, Set<string>>): unknown {
  const proxies = new Map<object, object>();
  const wrap = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v;
    const known = proxies.get(v);
    if (known) return known;
    const seen = new Set<string>();
    reads.set(v, seen);
    const proxy = new Proxy(v, {
      get(target, key, receiver) {
        if (typeof key === "string") seen.add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
      has(target, key) {
        if (typeof key === "string") seen.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        seen.add(ALL);
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(v, proxy);
    return proxy;
  };
  return wrap(value);
}

function unreadFields(value: unknown, reads: Map<object, Set<string>>, path: string): string[] {
  if (value === null || typeof value !== "object") return [];
  const seen = reads.get(value);
  if (seen === undefined) return [];
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => unreadFields(item, reads, `${path}/${i}`));
  }
  const freeForm = seen.size === 0 || seen.has(ALL);
  return Object.entries(value).flatMap(([key, child]) =>
    !freeForm && !seen.has(key) ? [`${path}/${key}`] : unreadFields(child, reads, `${path}/${key}`),
  );
}
