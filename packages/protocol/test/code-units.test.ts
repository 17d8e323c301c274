import { describe, expect, test } from "vitest";
import { bindVersion } from "../src/atomic.ts";
import { codeUnitAt, parseTimestamp } from "../src/index.ts";

function hidingCharCodeAt<T>(read: () => T): T {
  const original = String.prototype.charCodeAt;
  String.prototype.charCodeAt = () => {
    throw new Error("String.prototype.charCodeAt was looked up");
  };
  try {
    return read();
  } finally {
    String.prototype.charCodeAt = original;
  }
}

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

  test("parseTimestamp reads the canonical form without String.prototype.charCodeAt", () => {
    const read = hidingCharCodeAt(() => parseTimestamp("2026-11-23T05:04:57.123000+00:00"));
    expect(read).toBe(Date.UTC(2026, 10, 23, 5, 4, 57, 123));
  });

  test("versions are bound to their key without String.prototype.charCodeAt", () => {
    expect(hidingCharCodeAt(() => bindVersion("c", "k", "7"))).toBe(bindVersion("c", "k", "7"));
  });
});
