import { bool, oneOf, str, url } from "../config/fields.js";

const samplers = [
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
  "always_on",
  "always_off",
  "traceidratio",
] as const;

/**
 * The standard OpenTelemetry variables every Guardian process accepts. The SDK reads them
 * itself (see {@link startTracing}); declared here, they are checked at start and documented
 * with the other settings. Tracing is on only when an endpoint is set.
 */
export const tracingSettings = {
  otlpEndpoint: url("OTEL_EXPORTER_OTLP_ENDPOINT", {
    optional: true,
    protocols: ["http:", "https:"],
    description:
      "OTLP/HTTP collector that receives traces (at /v1/traces under this URL, JSON encoding); unset: no tracing, and the tracing SDK is not even loaded",
  }),
  otlpTracesEndpoint: url("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", {
    optional: true,
    protocols: ["http:", "https:"],
    description:
      "Full URL traces are sent to, used as given (overrides OTEL_EXPORTER_OTLP_ENDPOINT for traces)",
  }),
  serviceName: str("OTEL_SERVICE_NAME", {
    optional: true,
    description:
      "service.name of the process's spans; default guardian-<services> (guardian for dev, guardian-ratelimit)",
  }),
  sampler: oneOf("OTEL_TRACES_SAMPLER", samplers, {
    default: "parentbased_always_on",
    description:
      "Which traces are recorded; parent-based samplers keep the caller's decision (Envoy samples 10 %)",
  }),
  samplerArg: str("OTEL_TRACES_SAMPLER_ARG", {
    optional: true,
    description: "The ratio (0 to 1) of the traceidratio samplers",
  }),
  sdkDisabled: bool("OTEL_SDK_DISABLED", {
    default: false,
    description: "true turns tracing off even with an endpoint set",
  }),
} as const;
