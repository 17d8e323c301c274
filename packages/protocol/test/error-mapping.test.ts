import {
  hasNetworkErrorCode,
  InvalidKeyError,
  mapStoreError,
  StoreConnectionError,
  StoreError,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";

const context = { operation: "get", collection: "c", key: "k" } as const;

function failure(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

describe("hasNetworkErrorCode", () => {
  it("recognises Node's codes of a server that cannot be reached or was lost", () => {
    for (const code of [
      "ECONNREFUSED",
      "ECONNRESET",
      "ETIMEDOUT",
      "ERR_SOCKET_CONNECTION_TIMEOUT",
    ]) {
      expect(hasNetworkErrorCode(failure("down", code))).toBe(true);
    }
  });

  it("refuses other codes, codes that are not strings, and things that are not objects", () => {
    expect(hasNetworkErrorCode(failure("no", "ENOENT"))).toBe(false);
    expect(hasNetworkErrorCode({ code: 111 })).toBe(false);
    expect(hasNetworkErrorCode("ECONNREFUSED")).toBe(false);
    expect(hasNetworkErrorCode(null)).toBe(false);
  });
});

describe("mapStoreError", () => {
  const isTransient = (error: unknown) => (error as Error).message === "try again";

  it("makes a transient failure a StoreConnectionError with the failure as cause and message", () => {
    const cause = failure("try again");
    const mapped = mapStoreError(cause, context, isTransient);
    expect(mapped).toBeInstanceOf(StoreConnectionError);
    expect(mapped).toMatchObject({ cause, transient: true, ...context });
    expect(mapped.message).toBe("try again (operation: get, collection: c, key: k)");
  });

  it("makes any other failure a permanent StoreError", () => {
    const cause = failure("refused");
    const mapped = mapStoreError(cause, context, isTransient);
    expect(mapped.name).toBe("StoreError");
    expect(mapped).toBeInstanceOf(StoreError);
    expect(mapped).toMatchObject({ cause, transient: false });
  });

  it("passes a KeyValueError unchanged without asking isTransient", () => {
    const error = new InvalidKeyError({ message: "try again" });
    expect(mapStoreError(error, context, () => true)).toBe(error);
  });
});
