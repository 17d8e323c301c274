import {
  InvalidTtlError,
  MAX_TTL_SECONDS,
  MAX_VALUE_DEPTH,
  parseDuration,
  resolveTtl,
  SerializationError,
  validateValue,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 1; level < depth; level++) value = { child: value };
  return value;
}

describe("value nesting", () => {
  it(`accepts a value nested exactly ${MAX_VALUE_DEPTH} levels deep`, () => {
    expect(() => validateValue(nested(MAX_VALUE_DEPTH))).not.toThrow();
  });

  it("refuses one level deeper with SerializationError naming the limit", () => {
    expect(() => validateValue(nested(MAX_VALUE_DEPTH + 1))).toThrow(
      new RegExp(`nested deeper than ${MAX_VALUE_DEPTH} levels`),
    );
  });

  it("refuses 10 000 levels (objects and arrays) with SerializationError, not a RangeError", () => {
    let deepArray: unknown = [];
    for (let level = 0; level < 10_000; level++) deepArray = [deepArray];
    for (const value of [nested(10_000), { list: deepArray }]) {
      expect(() => validateValue(value)).toThrow(SerializationError);
    }
  });

  it("refuses an array with a hole or an undefined item with SerializationError naming it", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is tested
    expect(() => validateValue({ list: [, 1] })).toThrow(/value\.list\[0\] is undefined/);
    expect(() => validateValue({ list: [1, undefined] })).toThrow(/value\.list\[1\] is undefined/);
  });

  it("still tells a circular value from a repeated one", () => {
    const shared = { n: 1 };
    expect(() => validateValue({ a: shared, b: shared })).not.toThrow();
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => validateValue({ loop })).toThrow(/value\.loop\.self is circular/);
    expect(() => validateValue({ a: shared, b: [shared, 1n] })).toThrow(/value\.b\[1\] is bigint/);
  });
});

describe("TTL bounds", () => {
  it.each([1e13, Number.MAX_SAFE_INTEGER, 1e308, MAX_TTL_SECONDS + 1])(
    "refuses %d seconds as past the maximum",
    (ttl) => {
      expect(() => resolveTtl(ttl)).toThrow(InvalidTtlError);
      expect(() => resolveTtl(ttl)).toThrow(/at most 3155760000 seconds/);
    },
  );

  it("accepts the maximum itself", () => {
    expect(resolveTtl(MAX_TTL_SECONDS)).toBe(MAX_TTL_SECONDS);
  });
});

describe("durations", () => {
  it.each([
    ["30s", 30],
    ["60s", 60],
    ["5m", 300],
    ["1h", 3600],
    ["30 seconds", 30],
    ["1 hour", 3600],
    ["2h30m", 9000],
    ["2h 30m", 9000],
    ["1.5d", 129_600],
    ["250ms", 0.25],
    ["1w", 604_800],
    [" 10 Minutes ", 600],
  ])("reads %j as %d seconds", (text, seconds) => {
    expect(parseDuration(text)).toBeCloseTo(seconds, 9);
    expect(resolveTtl(text)).toBeCloseTo(seconds, 9);
  });

  it.each(["", "60", "-5s", "5 parsecs", "hello 5s", "5s garbage", "s", "1e3s", "5s-", "1..5h"])(
    "refuses %j with InvalidTtlError naming the text",
    (text) => {
      expect(() => resolveTtl(text)).toThrow(InvalidTtlError);
      expect(() => resolveTtl(text)).toThrow(JSON.stringify(text));
    },
  );

  it("refuses durations that come to zero or past the maximum", () => {
    expect(() => resolveTtl("0s")).toThrow(InvalidTtlError);
    expect(() => resolveTtl("101 weeks 36600 days")).toThrow(/at most/);
  });
});
