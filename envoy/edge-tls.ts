import type { Json } from "./clusters.js";
import type { GatewayEnvironment } from "./profiles.js";

/**
 * The public listener's TLS, when the environment asks for it: its certificate and key from
 * PEM files, HTTP/2 and HTTP/1.1 offered by ALPN, TLS 1.2 at least. Envoy reads the files at
 * start; a renewed certificate takes effect when Envoy restarts.
 */
export function edgeTls(env: GatewayEnvironment): Json | undefined {
  if (env.tls === undefined) return undefined;
  return {
    name: "envoy.transport_sockets.tls",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
      common_tls_context: {
        alpn_protocols: ["h2", "http/1.1"],
        tls_params: { tls_minimum_protocol_version: "TLSv1_2" },
        tls_certificates: [
          {
            certificate_chain: { filename: env.tls.certificateChain },
            private_key: { filename: env.tls.privateKey },
          },
        ],
      },
    },
  };
}
