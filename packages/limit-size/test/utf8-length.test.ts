import { withCharCodeAtHidden } from "@kv/conformance";
import { describe, expect, it } from "vitest";
import { utf8ByteLength } from "../src/utf8-length.ts";

describe("utf8ByteLength", () => {
  it("counts the bytes TextEncoder writes, for every width and for lone surrogates", () => {
    const samples = [
      "",
      "ascii",
      "h\u00e9llo",
      "\u2713 \u4e16\u754c",
      "\u{1f600}x",
      "\ud800",
      "a\udc00b",
      "\ud83d",
    ];
    for (const text of samples) {
      expect(utf8ByteLength(text), JSON.stringify(text)).toBe(
        new TextEncoder().encode(text).length,
      );
    }
  });

  it("reads characters without String.prototype.charCodeAt (slow once a class extends String)", () => {
    expect(withCharCodeAtHidden(() => utf8ByteLength("h\u00e9llo \u{1f600}"))).toBe(11);
  });
});
