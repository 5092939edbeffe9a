import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { asDecodeError, isDecodeFailure } from "./decode-failure.js";

describe("asDecodeError", () => {
  it("turns connect-es's Internal failure to decode a binary message into InvalidArgument", () => {
    const failure = new ConnectError("parse binary: premature EOF", Code.Internal);
    expect(isDecodeFailure(failure)).toBe(true);
    const err = asDecodeError(failure) as ConnectError;
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toBe("invalid request: the message cannot be decoded (premature EOF)");
    expect(err.cause).toBe(failure);
  });

  it("leaves every other error as it is, Internal ones included", () => {
    for (const err of [
      new ConnectError("internal error", Code.Internal),
      new ConnectError("parse binary: looks alike", Code.NotFound),
      new Error("parse binary: not a ConnectError"),
    ]) {
      expect(isDecodeFailure(err)).toBe(false);
      expect(asDecodeError(err)).toBe(err);
    }
  });
});
