import { create, fromJson, toBinary, toJsonString } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { ReadConfigResponseSchema } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { readConfigJson, readConfigProto, type ReadConfigReply } from "./encode.js";

const decoder = new TextDecoder();

function expected(reply: ReadConfigReply) {
  const message = create(ReadConfigResponseSchema, reply);
  return {
    proto: toBinary(ReadConfigResponseSchema, message),
    json: toJsonString(ReadConfigResponseSchema, message),
  };
}

describe("ReadConfig response encoding", () => {
  const content = fromJson(ValueSchema, { limit: 10, name: "a" });

  it("writes the bytes protobuf-es writes, for each reply of one content", () => {
    const replies: ReadConfigReply[] = [
      { content, etag: 7n, revision: 12n },
      { content, etag: 7n, revision: 12n },
      { content, etag: 7n, revision: 13n },
      { content, etag: 8n, revision: 13n },
      { etag: 8n, notModified: true, revision: 13n },
      { content, etag: 8n, revision: 13n, staleSeconds: 0 },
      { content, etag: 8n, revision: 13n, staleSeconds: 7 },
      { content, etag: 8n, revision: 13n, staleSeconds: 300 },
      { etag: 8n, notModified: true, revision: 13n, staleSeconds: 2 },
      { content },
    ];
    for (const reply of replies) {
      const want = expected(reply);
      expect(readConfigProto(reply)).toEqual(want.proto);
      expect(decoder.decode(readConfigJson(reply))).toBe(want.json);
    }
  });

  it("encodes the same reply once and shares its bytes until a field changes", () => {
    const first = readConfigJson({ content, etag: 3n, revision: 40n });
    expect(readConfigJson({ content, etag: 3n, revision: 40n })).toBe(first);
    const later = readConfigJson({ content, etag: 3n, revision: 41n });
    expect(later).not.toBe(first);
    expect(decoder.decode(later)).toBe(expected({ content, etag: 3n, revision: 41n }).json);
    const proto = readConfigProto({ content, etag: 3n, revision: 41n });
    expect(readConfigProto({ content, etag: 3n, revision: 41n })).toBe(proto);
  });
});
