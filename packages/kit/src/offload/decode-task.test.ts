import { brotliCompressSync, gzipSync } from "node:zlib";
import { create, fromBinary, fromJsonString, toBinary, toJsonString } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  CreateConfigRequestSchema,
  DryRunSchemaVersionRequestSchema,
  ValidateDocumentRequestSchema,
} from "@guardian/api";
import { describe, expect, it } from "vitest";
import { decodeRequest, documentFields, type DecodeTask } from "./decode-task.js";

const readMaxBytes = 1024 * 1024;
const document = {
  items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `n${i}`, on: true })),
};
const request = create(ValidateDocumentRequestSchema, {
  project: "p",
  name: "s",
  version: 3,
  document: fromJsonString(ValueSchema, JSON.stringify(document)),
});
const binary = toBinary(ValidateDocumentRequestSchema, request);
const json = new TextEncoder().encode(toJsonString(ValidateDocumentRequestSchema, request));

function envelope(message: Uint8Array, flags = 0): Uint8Array {
  const out = Buffer.alloc(5 + message.byteLength);
  out[0] = flags;
  out.writeUInt32BE(message.byteLength, 1);
  out.set(message, 5);
  return out;
}

function task(init: Partial<DecodeTask> & Pick<DecodeTask, "body">): DecodeTask {
  return { protocol: "connect", binary: true, encoding: undefined, readMaxBytes, ...init };
}

const decode = (t: DecodeTask) => decodeRequest(ValidateDocumentRequestSchema, t);

describe("decodeRequest", () => {
  it("names the singular Value and Struct fields of a request as its documents", () => {
    expect(documentFields(ValidateDocumentRequestSchema).map((f) => f.name)).toEqual(["document"]);
    expect(documentFields(DryRunSchemaVersionRequestSchema).map((f) => f.name)).toEqual([
      "content",
      "content_value",
    ]);
    expect(documentFields(CreateConfigRequestSchema).map((f) => f.name)).toEqual(["content"]);
  });

  const cases: [string, DecodeTask][] = [
    ["Connect proto", task({ body: binary })],
    ["Connect JSON", task({ body: json, binary: false })],
    ["Connect proto, gzip", task({ body: gzipSync(binary), encoding: "gzip" })],
    [
      "Connect JSON, brotli",
      task({ body: brotliCompressSync(json), binary: false, encoding: "br" }),
    ],
    ["gRPC", task({ protocol: "grpc", body: envelope(binary) })],
    [
      "gRPC, gzip",
      task({ protocol: "grpc", body: envelope(gzipSync(binary), 1), encoding: "gzip" }),
    ],
    [
      "gRPC, gzip named but not used",
      task({ protocol: "grpc", body: envelope(binary), encoding: "gzip" }),
    ],
    ["gRPC-Web", task({ protocol: "grpc-web", body: envelope(binary) })],
    ["gRPC JSON", task({ protocol: "grpc", body: envelope(json), binary: false })],
  ];
  it.each(cases)("%s: takes the document out as JSON text and keeps the rest", (_, t) => {
    const decoded = decode(t)!;
    expect(decoded.documents).toEqual([
      { field: 4, json: toJsonString(ValueSchema, request.document!) },
    ]);
    expect(JSON.parse(decoded.documents[0]!.json)).toEqual(document);
    let rest = decoded.body;
    if (t.protocol !== "connect") {
      expect(rest[0]).toBe(0);
      expect(Buffer.from(rest).readUInt32BE(1)).toBe(rest.byteLength - 5);
      rest = rest.subarray(5);
    }
    const message = t.binary
      ? fromBinary(ValidateDocumentRequestSchema, rest)
      : fromJsonString(ValidateDocumentRequestSchema, new TextDecoder().decode(rest));
    expect(message).toEqual({ ...request, document: undefined });
  });

  it("takes a Struct document out as its JSON object's text", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const dry = create(DryRunSchemaVersionRequestSchema, {
      project: "p",
      name: "s",
      content: schema,
    });
    const decoded = decodeRequest(
      DryRunSchemaVersionRequestSchema,
      task({ body: toBinary(DryRunSchemaVersionRequestSchema, dry) }),
    )!;
    expect(decoded.documents).toEqual([{ field: 3, json: JSON.stringify(schema) }]);
    expect(fromBinary(DryRunSchemaVersionRequestSchema, decoded.body).content).toBeUndefined();
  });

  it("ignores unknown JSON fields, as Connect's JSON codec does", () => {
    const body = Buffer.from(JSON.stringify({ project: "p", nope: 1, document: [1] }));
    const decoded = decode(task({ body, binary: false }))!;
    expect(new TextDecoder().decode(decoded.body)).toBe('{"project":"p"}');
    expect(decoded.documents).toEqual([{ field: 4, json: "[1]" }]);
  });

  it("keeps unknown fields of a proto request", () => {
    const unknown = Buffer.concat([binary, Buffer.from([0xf8, 0x3e, 0x01])]); // field 999 = 1
    const decoded = decode(task({ body: unknown }))!;
    expect(Buffer.from(decoded.body).subarray(-3)).toEqual(Buffer.from([0xf8, 0x3e, 0x01]));
  });

  const left: [string, DecodeTask][] = [
    ["JSON that does not parse", task({ body: json.subarray(1), binary: false })],
    [
      "a JSON field of the wrong type",
      task({ body: Buffer.from('{"project":"p","version":"x"}'), binary: false }),
    ],
    ["proto that does not decode", task({ body: binary.subarray(0, binary.length - 3) })],
    ["a body over the limit", task({ body: binary, readMaxBytes: 100 })],
    [
      "a body over the limit once decompressed",
      task({ body: gzipSync(binary), encoding: "gzip", readMaxBytes: 100 }),
    ],
    ["a gzip body that is not gzip", task({ body: binary, encoding: "gzip" })],
    [
      "a compressed envelope without an encoding",
      task({ protocol: "grpc", body: envelope(gzipSync(binary), 1) }),
    ],
    ["a gRPC-Web trailer frame", task({ protocol: "grpc-web", body: envelope(binary, 0x80) })],
    ["a short envelope", task({ protocol: "grpc", body: envelope(binary).subarray(0, 20) })],
    [
      "two envelopes",
      task({ protocol: "grpc", body: Buffer.concat([envelope(binary), envelope(binary)]) }),
    ],
    [
      "text PostgreSQL cannot store",
      task({
        body: toBinary(
          ValidateDocumentRequestSchema,
          create(ValidateDocumentRequestSchema, {
            project: "p",
            document: fromJsonString(ValueSchema, '{"a":"x\\u0000"}'),
          }),
        ),
      }),
    ],
    [
      "a number JSON cannot hold",
      task({
        body: toBinary(
          ValidateDocumentRequestSchema,
          create(ValidateDocumentRequestSchema, {
            project: "p",
            document: { kind: { case: "numberValue", value: Number.NaN } },
          }),
        ),
      }),
    ],
    [
      "a Value without a kind",
      task({
        body: toBinary(
          ValidateDocumentRequestSchema,
          create(ValidateDocumentRequestSchema, { project: "p", document: {} }),
        ),
      }),
    ],
  ];
  it.each(left)("leaves %s to Connect", (_, t) => {
    expect(decode(t)).toBeUndefined();
  });

  it("leaves a Struct with a number JSON cannot hold to Connect", () => {
    const dry = create(DryRunSchemaVersionRequestSchema, {
      project: "p",
      content: { a: Number.POSITIVE_INFINITY },
    });
    const body = toBinary(DryRunSchemaVersionRequestSchema, dry);
    expect(decodeRequest(DryRunSchemaVersionRequestSchema, task({ body }))).toBeUndefined();
  });
});
