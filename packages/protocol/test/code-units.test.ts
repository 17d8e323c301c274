import { describe, expect, test } from "vitest";
import { bindVersion } from "../src/atomic.ts";
import { codeUnitAt, InvalidKeyError, parseTimestamp, validateKey } from "../src/index.ts";

/** What `read` returns while the named `String.prototype` method throws. */
function hiding<T>(method: "charCodeAt" | "isWellFormed", read: () => T): T {
  const original = Object.getOwnPropertyDescriptor(String.prototype, method);
  Object.defineProperty(String.prototype, method, {
    configurable: true,
    value: () => {
      throw new Error(`String.prototype.${method} was looked up`);
    },
  });
  try {
    return read();
  } finally {
    if (original !== undefined) Object.defineProperty(String.prototype, method, original);
  }
}

const hidingCharCodeAt = <T>(read: () => T): T => hiding("charCodeAt", read);

describe("codeUnitAt", () => {
  test.each([
    ["abc", 0],
    ["abc", 2],
    ["é", 0],
    ["😀", 0],
    ["😀", 1],
    ["\uD800", 0],
  ])("reads the UTF-16 code unit of %j at %i, as charCodeAt does", (text, index) => {
    expect(codeUnitAt(text, index)).toBe(text.charCodeAt(index));
  });

  test("is NaN past either end of the text", () => {
    expect(codeUnitAt("abc", 3)).toBeNaN();
    expect(codeUnitAt("abc", -1)).toBeNaN();
    expect(codeUnitAt("", 0)).toBeNaN();
  });

  test("does not look charCodeAt up on String.prototype (slow once a class extends String)", () => {
    expect(hidingCharCodeAt(() => codeUnitAt("abc", 1))).toBe(98);
  });
});

describe("the protocol's character reads, without String.prototype", () => {
  test("parseTimestamp reads the canonical form without String.prototype.charCodeAt", () => {
    const read = hidingCharCodeAt(() => parseTimestamp("2026-11-23T05:04:57.123000+00:00"));
    expect(read).toBe(Date.UTC(2026, 10, 23, 5, 4, 57, 123));
  });

  test("versions are bound to their key without String.prototype.charCodeAt", () => {
    expect(hidingCharCodeAt(() => bindVersion("c", "k", "7"))).toBe(bindVersion("c", "k", "7"));
  });

  test("keys are checked without looking isWellFormed up on String.prototype", () => {
    expect(hiding("isWellFormed", () => validateKey("k"))).toBeUndefined();
    expect(() => hiding("isWellFormed", () => validateKey("\uD800"))).toThrow(InvalidKeyError);
  });
});
