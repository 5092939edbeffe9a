import { describe, expect, it } from "vitest";
import { exposedMetrics, metricNamesOf, seriesNamesOf } from "./promql-names.js";

describe("metricNamesOf", () => {
  it("finds the metrics of an expression and leaves out functions, labels, strings and numbers", () => {
    expect(
      metricNamesOf(
        'sum by (le, service) (rate(guardian_rpc_duration_seconds_bucket{method!~"Watch|x{2}"}[5m])) > 0.05',
      ),
    ).toEqual(["guardian_rpc_duration_seconds_bucket"]);
    expect(
      metricNamesOf(
        'sum(up{job="etcd"}) < floor(count(up{job="etcd"}) / 2) + 1 or vector(1e3) unless on (instance) etcd_server_has_leader offset 5m',
      ),
    ).toEqual(["etcd_server_has_leader", "up"]);
    expect(
      metricNamesOf(
        "histogram_quantile(0.99, sum without (pod) (rate(a_bucket[$__rate_interval]))) / ignoring (le) group_left (x) b",
      ),
    ).toEqual(["a_bucket", "b"]);
    expect(
      metricNamesOf("etcd_mvcc_db_total_size_in_bytes / etcd_server_quota_backend_bytes"),
    ).toEqual(["etcd_mvcc_db_total_size_in_bytes", "etcd_server_quota_backend_bytes"]);
  });

  it("rejects a selector that is never closed", () => {
    expect(() => metricNamesOf('up{job="etcd"')).toThrow(/unclosed/);
  });
});

describe("exposedMetrics", () => {
  it("reads families with their type and help, and a histogram's series names", () => {
    const text = [
      "# HELP x_seconds How long.",
      "# TYPE x_seconds histogram",
      'x_seconds_bucket{le="+Inf"} 1',
      "# TYPE y_total counter",
      "y_total 3",
    ].join("\n");
    const metrics = exposedMetrics(text);
    expect(metrics).toEqual([
      { name: "x_seconds", type: "histogram", help: "How long." },
      { name: "y_total", type: "counter", help: "" },
    ]);
    expect(seriesNamesOf(metrics[0]!)).toContain("x_seconds_bucket");
  });
});
