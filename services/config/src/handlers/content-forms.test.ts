import { create, toBinary, toJsonString, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { jsonAnswerText } from "@guardian/kit";
import { ConfigSchema, ConfigService, KeyValueSchema, type Config } from "@guardian/api";
import { contentFormOf, contentOf as storedContent, kvToConfig } from "../convert.js";
import { describe, expect, it } from "vitest";
import { useHarness } from "../testing/harness.js";
import { json, newProject, plain } from "../testing/fixtures.js";

const h = useHarness();

/** A document large enough that the encoding of its answers matters. */
const doc = {
  items: Array.from({ length: 3000 }, (_, i) => ({ id: i, name: `é😀 ${i}`, on: i % 2 === 0 })),
  empty: { "": [null, "", 0, -0.5, 1e21, {}] },
};

const contentOf = (config: Config | undefined): JsonValue | undefined => plain(config?.content);

/**
 * Answers to binary callers carry a config's content as proto bytes written straight from the
 * stored JSON; answers to JSON callers carry the Value. Both must say exactly the same.
 */
describe("config content in answers, by codec", () => {
  const clients: [string, () => Client<typeof ConfigService>][] = [
    ["binary", () => h.configWith({})],
    ["JSON", () => h.configWith({}, { json: true })],
  ];

  it.each(clients)("is the same document over the %s codec, in every answer", async (_, make) => {
    const config = make();
    const p = await newProject(h);
    const created = await config.createConfig({
      project: p,
      key: "big",
      content: json(doc),
      schema: "any",
    });
    expect(contentOf(created.config)).toEqual(doc);
    const updated = await config.updateConfig({
      project: p,
      key: "big",
      content: json({ ...doc, v: 2 }),
    });
    expect(contentOf(updated.config)).toEqual({ ...doc, v: 2 });
    const key = { project: p, key: "big", minRevision: updated.revision };
    expect(contentOf((await config.getConfig(key)).config)).toEqual({ ...doc, v: 2 });
    const direct = h.configWith({ readCache: undefined }, { json: _ === "JSON" });
    expect(contentOf((await direct.getConfig(key)).config)).toEqual({ ...doc, v: 2 });
    const past = await config.getConfig({ project: p, key: "big", revision: created.revision });
    expect(contentOf(past.config)).toEqual(doc);
    const history = await config.listRevisions({ project: p, key: "big", includeContent: true });
    expect(history.revisions.map((r) => plain(r.content))).toEqual([{ ...doc, v: 2 }, doc]);
    const revision = await config.getRevision({
      project: p,
      key: "big",
      revision: created.revision,
    });
    expect(plain(revision.revision?.content)).toEqual(doc);
    const listed = await config.listConfigs({ project: p, includeContent: true });
    expect(listed.configs.map(contentOf)).toEqual([{ ...doc, v: 2 }]);
    const rolledBack = await config.rollbackConfig({
      project: p,
      key: "big",
      toRevision: created.revision,
    });
    expect(contentOf(rolledBack.config)).toEqual(doc);

    // A watch: the snapshot, then changes (through the hub, and with previous from the store).
    for (const includePrevious of [false, true]) {
      const ac = new AbortController();
      const stream = config.watch(
        { project: p, sendInitialSnapshot: true, includePrevious },
        { signal: ac.signal },
      );
      const seen: JsonValue[] = [];
      let wrote = false;
      for await (const res of stream) {
        if (res.kind.case === "snapshot")
          seen.push(...res.kind.value.configs.map((c) => contentOf(c)!));
        if (res.kind.case === "change") {
          seen.push(contentOf(res.kind.value.config)!);
          if (includePrevious) seen.push(contentOf(res.kind.value.previous)!);
          break;
        }
        if (!wrote) {
          wrote = true;
          await config.updateConfig({
            project: p,
            key: "big",
            content: json({ ...doc, w: includePrevious }),
          });
        }
      }
      ac.abort();
      const before = includePrevious ? { ...doc, w: false } : doc;
      const after = { ...doc, w: includePrevious };
      expect(seen).toEqual(includePrevious ? [before, after, before] : [before, after]);
    }
  });

  it("answers the two codecs with equal messages", async () => {
    const p = await newProject(h);
    await h.config.createConfig({
      project: p,
      key: "a",
      content: json(doc),
      schema: "any",
      labels: { x: "y" },
    });
    const [binary, text] = await Promise.all(
      clients.map(([, make]) => make().getConfig({ project: p, key: "a" })),
    );
    expect(binary).toEqual(text);
  });

  it("holds the wire form's content as proto bytes only, never as a Value", () => {
    const kv = create(KeyValueSchema, {
      project: "p",
      key: "k",
      value: new TextEncoder().encode(JSON.stringify(doc)),
    });
    const wire = kvToConfig(kv, "wire");
    expect(wire.content).toBeUndefined();
    const proto = toBinary(ValueSchema, storedContent(kv.value)!);
    const [field] = wire.$unknown ?? [];
    expect(field?.no).toBe(3);
    // The bytes of a length-delimited field: its length, then the Value.
    expect(Buffer.from(field!.data).subarray(-proto.length).equals(proto)).toBe(true);
    expect(
      kvToConfig(create(KeyValueSchema, { project: "p", key: "k" }), "wire").$unknown,
    ).toBeUndefined();
  });

  it("writes the text form's content in JSON as the Value would, without building it", () => {
    const stored = new TextEncoder().encode(JSON.stringify(doc));
    const kv = create(KeyValueSchema, { project: "p", key: "k", value: stored });
    const text = kvToConfig(kv, "text");
    expect(jsonAnswerText(text.content!)).toBe(JSON.stringify(doc));
    expect(toJsonString(ConfigSchema, text)).toBe(toJsonString(ConfigSchema, kvToConfig(kv)));
    const form = (type: string | null) =>
      contentFormOf({ requestHeader: new Headers(type === null ? {} : { "content-type": type }) });
    expect(form("application/json")).toBe("text");
    expect(form("application/grpc-web+json")).toBe("text");
    expect(form("application/connect+proto")).toBe("wire");
    expect(form(null)).toBe("value");
    // A Connect GET has no content type: its query names the codec.
    const get = (query: string) =>
      contentFormOf({
        requestHeader: new Headers(),
        requestMethod: "GET",
        url: `http://h/guardian.config.v1.ConfigService/GetConfig?${query}`,
      });
    expect(get("encoding=json&message=e30")).toBe("text");
    expect(get("message=&encoding=proto&base64=1")).toBe("wire");
    expect(get("message=e30")).toBe("value");
  });
});

describe("config content in answers to Connect GET", () => {
  const hs = useHarness({ overGrpc: true });

  it.each([
    ["JSON", false],
    ["protobuf", true],
  ])("is the same document over %s", async (_, useBinaryFormat) => {
    const p = await newProject(hs);
    await hs.config.createConfig({ project: p, key: "big", content: json(doc), schema: "any" });
    const client = createClient(
      ConfigService,
      createConnectTransport({
        baseUrl: hs.url!,
        httpVersion: "1.1",
        useHttpGet: true,
        useBinaryFormat,
      }),
    );
    const got = await client.getConfig({ project: p, key: "big" });
    expect(contentOf(got.config)).toEqual(doc);
    expect(got).toEqual(await hs.config.getConfig({ project: p, key: "big" }));
  });
});
