import { hasSdkErrorName, httpStatusOf, isServerFault, sdkClientDefaults } from "@kv/aws-core";
import { describe, expect, it } from "vitest";

describe("sdkClientDefaults", () => {
  it("gives 3 attempts and a request handler with 2000 ms to connect and the default request timeout", () => {
    expect(sdkClientDefaults({}, 5000)).toEqual({
      maxAttempts: 3,
      requestHandler: {
        connectionTimeout: 2000,
        requestTimeout: 5000,
        throwOnRequestTimeout: true,
      },
    });
  });

  it("takes the options' timeouts over the defaults", () => {
    const { requestHandler } = sdkClientDefaults(
      { connectTimeoutMs: 10, requestTimeoutMs: 20 },
      5000,
    );
    expect(requestHandler).toMatchObject({ connectionTimeout: 10, requestTimeout: 20 });
  });

  it("refuses a timeout that is not a positive number of milliseconds", () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, "5" as unknown as number]) {
      expect(() => sdkClientDefaults({ connectTimeoutMs: bad }, 5000)).toThrow(
        new RangeError(
          `connectTimeoutMs must be a positive number of milliseconds, got ${String(bad)}`,
        ),
      );
      expect(() => sdkClientDefaults({ requestTimeoutMs: bad }, 5000)).toThrow(RangeError);
    }
  });
});

describe("reading the SDK's errors", () => {
  const missing = Object.assign(new Error("gone"), {
    name: "NoSuchKey",
    $fault: "client",
    $metadata: { httpStatusCode: 404 },
  });

  it("hasSdkErrorName matches the error's name against any of the names", () => {
    expect(hasSdkErrorName(missing, "NotFound", "NoSuchKey")).toBe(true);
    expect(hasSdkErrorName(missing, "NoSuchBucket")).toBe(false);
    expect(hasSdkErrorName(undefined, "undefined")).toBe(false);
  });

  it("httpStatusOf gives the status the service answered with, if any", () => {
    expect(httpStatusOf(missing)).toBe(404);
    expect(httpStatusOf(new Error("ECONNREFUSED"))).toBeUndefined();
    expect(httpStatusOf({ $metadata: { httpStatusCode: "500" } })).toBeUndefined();
  });

  it("isServerFault is true for a server-side fault or a 5xx, not for client errors", () => {
    expect(isServerFault({ $fault: "server" })).toBe(true);
    expect(isServerFault({ $metadata: { httpStatusCode: 502 } })).toBe(true);
    expect(isServerFault(missing)).toBe(false);
    expect(isServerFault(null)).toBe(false);
  });
});
