import {
  DeserializationError,
  defineError,
  type ErrorClass,
  InvalidKeyError,
  InvalidTtlError,
  isTransientError,
  KeyValueError,
  SerializationError,
  StoreClosedError,
  StoreConfigurationError,
  StoreConnectionError,
  StoreError,
  StoreSetupError,
  toStoreError,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";

const classes = [
  [InvalidKeyError, "INVALID_KEY"],
  [InvalidTtlError, "INVALID_TTL"],
  [SerializationError, "SERIALIZATION"],
  [DeserializationError, "DESERIALIZATION"],
  [StoreError, "STORE"],
  [StoreConnectionError, "STORE_CONNECTION"],
  [StoreSetupError, "STORE_SETUP"],
  [StoreClosedError, "STORE_CLOSED"],
  [StoreConfigurationError, "STORE_CONFIGURATION"],
] as const;

describe("errors", () => {
  it.each(classes)("%o has its class name as name and a stable code", (ErrorClass, code) => {
    const error = new ErrorClass();
    expect(error.name).toBe(ErrorClass.name);
    expect(error.code).toBe(code);
    expect(error).toBeInstanceOf(KeyValueError);
    expect(error).toBeInstanceOf(Error);
    expect(KeyValueError.isInstance(error)).toBe(true);
    expect(ErrorClass.isInstance(error)).toBe(true);
  });

  it("places store errors under StoreError and bad input outside it", () => {
    expect(StoreError.isInstance(new StoreConnectionError())).toBe(true);
    expect(StoreError.isInstance(new StoreSetupError())).toBe(true);
    expect(StoreError.isInstance(new InvalidKeyError())).toBe(false);
    expect(StoreConnectionError.isInstance(new StoreError())).toBe(false);
  });

  it("recognises an error from another copy of the package by its brand", () => {
    const foreign = Object.assign(new Error("from a duplicate install"), {
      [Symbol.for("@kv/error/KeyValueError")]: true,
      [Symbol.for("@kv/error/StoreError")]: true,
      [Symbol.for("@kv/error/StoreConnectionError")]: true,
    });
    expect(foreign).not.toBeInstanceOf(StoreConnectionError);
    expect(StoreConnectionError.isInstance(foreign)).toBe(true);
    expect(InvalidKeyError.isInstance(foreign)).toBe(false);
  });

  it("keeps the cause and puts the context in the message", () => {
    const cause = new Error("ECONNREFUSED");
    const error = new StoreConnectionError({
      message: "Redis is unreachable",
      cause,
      collection: "users",
      key: "u1",
      operation: "get",
    });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe("Redis is unreachable (operation: get, collection: users, key: u1)");
    expect([error.collection, error.key, error.operation]).toEqual(["users", "u1", "get"]);
  });

  it("never wraps a KeyValueError twice", () => {
    const original = new InvalidKeyError({ message: "too long" });
    expect(toStoreError(original, { operation: "put" })).toBe(original);
    const wrapped = toStoreError(new TypeError("boom"), { operation: "put", key: "k" });
    expect(wrapped).toBeInstanceOf(StoreError);
    expect(wrapped.cause).toBeInstanceOf(TypeError);
    expect(wrapped.message).toBe("boom (operation: put, key: k)");
  });
});

interface QuotaError extends StoreError {
  readonly name: "QuotaError";
  readonly limit: number;
}
const QuotaError: ErrorClass<QuotaError, { limit: number }> = defineError({
  name: "QuotaError",
  code: "QUOTA",
  parent: StoreConnectionError,
  fields: ["limit"],
  message: (options) => `Over the quota of ${options.limit}`,
});

describe("defineError", () => {
  it("makes a branded class with its name, code, fields and a message built from them", () => {
    const error = new QuotaError({ limit: 5, key: "k" });
    expect(error).toBeInstanceOf(StoreConnectionError);
    expect(error).toBeInstanceOf(StoreError);
    expect([error.name, error.code, error.limit, QuotaError.name]).toEqual([
      "QuotaError",
      "QUOTA",
      5,
      "QuotaError",
    ]);
    expect(error.message).toBe("Over the quota of 5 (key: k)");
    expect(String(error.stack)).toMatch(/^QuotaError: Over the quota/);
    expect(new QuotaError({ limit: 1, message: "custom" }).message).toBe("custom");
  });

  it("inherits transient from its parent unless told otherwise", () => {
    expect(new QuotaError({ limit: 1 }).transient).toBe(true);
    expect(isTransientError(new QuotaError({ limit: 1 }))).toBe(true);
    expect(isTransientError(new StoreError())).toBe(false);
    expect(isTransientError(new StoreClosedError())).toBe(false);
    expect(isTransientError(new Error("plain"))).toBe(false);
  });

  it("recognises its instances from another copy by brand, parents included", () => {
    const error = new QuotaError({ limit: 1 });
    expect(QuotaError.isInstance(error)).toBe(true);
    expect(StoreConnectionError.isInstance(error)).toBe(true);
    expect(KeyValueError.isInstance(error)).toBe(true);
    expect(QuotaError.isInstance(new StoreConnectionError())).toBe(false);
  });

  it("can be extended by an ordinary class", () => {
    class Custom extends StoreError {
      override readonly name = "Custom";
    }
    const error = new Custom({ message: "mine" });
    expect([error.name, error.code, StoreError.isInstance(error)]).toEqual([
      "Custom",
      "STORE",
      true,
    ]);
  });
});
