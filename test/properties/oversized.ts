import type { DescMethod } from "@bufbuild/protobuf";
import fc from "fast-check";
import type { BadRequest } from "./arbitraries.js";
import type { RawBody, Wire } from "./raw-call.js";
import { concat, lengthDelimited } from "./wire.js";

const utf8 = new TextEncoder();
const binaryWire = fc.constantFrom<Wire>("connect+proto", "grpc+proto");
const anyWire = fc.constantFrom<Wire>("connect+json", "connect+proto", "grpc+proto");

/**
 * Requests over the server's read limit (`maxRequestBytes`): a real body up to 64 KiB over
 * it, or an envelope that declares a message over it (streaming Connect and gRPC).
 */
export function oversized(method: DescMethod, maxRequestBytes: number): fc.Arbitrary<BadRequest> {
  const sent = fc
    .record({ wire: anyWire, over: fc.integer({ min: 1, max: 65_536 }) })
    .map(({ wire, over }): BadRequest => {
      const size = maxRequestBytes + over;
      // An unknown field is still well-formed protobuf and JSON; only its size is wrong.
      const body: RawBody =
        wire === "connect+json"
          ? { message: utf8.encode(JSON.stringify({ padding: "a".repeat(size) })) }
          : { message: lengthDelimited(1000, new Uint8Array(size)) };
      return { wire, body, what: `${size} bytes sent` };
    });
  const enveloped = method.methodKind !== "unary";
  const declared = fc
    .record({
      wire: enveloped ? binaryWire : fc.constant<Wire>("grpc+proto"),
      declared: fc.integer({ min: maxRequestBytes + 1, max: 0x7fffffff }),
    })
    .map(({ wire, declared }): BadRequest => {
      const head = new Uint8Array(5);
      new DataView(head.buffer).setUint32(1, declared);
      return {
        wire,
        body: { framed: concat([head, new Uint8Array(16)]) },
        what: `${declared} bytes declared`,
      };
    });
  return fc.oneof(sent, declared);
}
