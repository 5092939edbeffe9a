import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { sanitizeError } from "./rpc-logging.js";

describe("sanitizeError", () => {
  it("drops another call's transport headers but keeps code, message, details and other metadata", () => {
    const fromClient = new ConnectError(
      "config not found",
      Code.NotFound,
      new Headers({ "content-length": "54", "content-type": "application/json", "x-note": "kept" }),
    );
    const { client } = sanitizeError(fromClient, "req-1");
    expect(client.code).toBe(Code.NotFound);
    expect(client.rawMessage).toBe("config not found");
    expect(client.metadata.get("content-length")).toBeNull();
    expect(client.metadata.get("content-type")).toBeNull();
    expect(client.metadata.get("x-note")).toBe("kept");
  });

  it("hides internal errors behind a generic message with the request id", () => {
    const { client, logged } = sanitizeError(new Error("password=secret in SQL"), "req-2");
    expect(client.code).toBe(Code.Internal);
    expect(client.rawMessage).toBe("internal error (request id req-2)");
    expect(logged).toBeInstanceOf(Error);
  });
});
