import { create, fromBinary, toBinary, toJson, type MessageInitShape } from "@bufbuild/protobuf";
import { ChangeType, WatchResponseSchema, type ChangeEventSchema } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { binaryCodec, encodedChange } from "./encoded-change.js";

const change: MessageInitShape<typeof ChangeEventSchema> = {
  type: ChangeType.UPDATE,
  revision: 42n,
  config: {
    project: "p",
    key: "app/db",
    version: 42n,
    content: { kind: { case: "stringValue", value: "x" } },
  },
};

describe("encoded change", () => {
  it("encodes to the same bytes as the change itself and decodes to it", () => {
    const plain = create(WatchResponseSchema, { kind: { case: "change", value: change } });
    const shared = encodedChange(change);
    expect(toBinary(WatchResponseSchema, shared)).toEqual(toBinary(WatchResponseSchema, plain));
    const decoded = fromBinary(WatchResponseSchema, toBinary(WatchResponseSchema, shared));
    expect(toJson(WatchResponseSchema, decoded)).toEqual(toJson(WatchResponseSchema, plain));
    // The same message serves any number of streams unchanged.
    expect(toBinary(WatchResponseSchema, shared)).toEqual(toBinary(WatchResponseSchema, plain));
  });

  it("is used only for binary codecs", () => {
    expect(binaryCodec("application/grpc")).toBe(true);
    expect(binaryCodec("application/connect+proto")).toBe(true);
    expect(binaryCodec("application/grpc-web-text")).toBe(true);
    expect(binaryCodec("application/connect+json")).toBe(false);
    expect(binaryCodec("application/grpc+json; charset=utf-8")).toBe(false);
    expect(binaryCodec(null)).toBe(false);
  });
});
