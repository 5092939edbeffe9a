import type { DescMessage, Message } from "@bufbuild/protobuf";
import { createContextKey, type Interceptor } from "@connectrpc/connect";
import type { TakenDocument } from "./decode-task.js";
import { predecodedObject, predecodedValue } from "./predecoded.js";

/** The documents a decoding thread took out of the call's request message. */
export const predecodedKey = createContextKey<TakenDocument[] | undefined>(undefined, {
  description: "documents decoded off the event loop",
});

function restore(schema: DescMessage, message: Message, documents: TakenDocument[]): void {
  const raw = message as unknown as Record<string, unknown>;
  for (const doc of documents) {
    const field = schema.fields.find((f) => f.number === doc.field);
    if (field?.fieldKind !== "message") continue;
    const value =
      field.message.typeName === "google.protobuf.Value"
        ? predecodedValue(doc.json)
        : predecodedObject(doc.json);
    if (field.oneof) raw[field.oneof.localName] = { case: field.localName, value };
    else raw[field.localName] = value;
  }
}

/**
 * Creates the interceptor that puts the documents a decoding thread took out of a request
 * (see `offload-handler.ts`) back into its message, before any other interceptor or the
 * handler sees it: Value fields get stand-in Values holding the JSON text, Struct fields
 * their JSON object.
 */
export function createPredecodedInterceptor(): Interceptor {
  return (next) => (req) => {
    if (!req.stream) {
      const documents = req.contextValues.get(predecodedKey);
      if (documents !== undefined) restore(req.method.input, req.message, documents);
    }
    return next(req);
  };
}
