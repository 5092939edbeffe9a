import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { WatchResponseSchema, type ChangeEventSchema, type WatchResponse } from "@guardian/api";

/**
 * Returns a WatchResponse that carries `change` as bytes encoded here, once: its only
 * content is an unknown field holding the encoded `change` field, which the binary codec
 * writes out as it is. Every stream with a binary codec can send the same message, so an
 * event is encoded once per process rather than once per stream. A JSON codec would drop
 * it: those streams send the change itself.
 */
export function encodedChange(change: MessageInitShape<typeof ChangeEventSchema>): WatchResponse {
  const whole = toBinary(
    WatchResponseSchema,
    create(WatchResponseSchema, { kind: { case: "change", value: change } }),
  );
  // `whole` is the one field `change` (number 1, length-delimited): its one-byte tag, then
  // the length and the bytes, which is what an unknown field holds.
  const msg = create(WatchResponseSchema);
  msg.$unknown = [{ no: 1, wireType: WireType.LengthDelimited, data: whole.subarray(1) }];
  return msg;
}

/** Whether a call's codec is binary protobuf (not JSON), from its request content type. */
export function binaryCodec(contentType: string | null): boolean {
  return contentType !== null && !/json/i.test(contentType);
}
