import { createEntry, DeserializationError, deserializeEntry, serializeEntry } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { decodeEntry, encodeEntry } from "../src/entry-codec.ts";

const now = Date.UTC(2026, 10, 23, 5, 4, 57, 123);

describe("the LevelDB entry codec", () => {
  it("writes exactly what serializeEntry writes", () => {
    const entries = [
      createEntry({ name: "Ada", nested: { list: [1, "two", null] } }, undefined, now),
      createEntry({ a: 1 }, 0.001, now),
      createEntry({ a: 'ünï🙂\u0000"' }, 86_400 * 365 * 30, now),
      { value: { a: 1 }, createdAt: undefined, expiresAt: undefined },
      { value: {}, createdAt: undefined, expiresAt: now },
    ];
    for (const entry of entries) {
      expect(encodeEntry(entry)).toBe(serializeEntry(entry));
      expect(encodeEntry(entry)).toBe(serializeEntry(entry));
    }
  });

  it("reads whatever deserializeEntry reads, to the same entry", () => {
    const documents = [
      serializeEntry(createEntry({ a: 1 }, 60, now)),
      serializeEntry(createEntry({ a: 1 }, 60, now + 1)),
      '{"value": {"a": 1}, "created_at": "2026-11-23T05:04:57Z", "version": 1}',
      '{"value": "{\\"a\\": 1}", "expires_at": "2026-11-23T05:04:57.123456+02:00"}',
      '{"value": {"a": 1}, "created_at": "2026-11-23T05:04:57.999000+00:00", "expires_at": null}',
      '{"value": {"a": 1}, "created_at": "2026-11-23 05:04:57.1+00:00"}',
      '{"value": {"a": 1}, "created_at": 1790000000000}',
    ];
    for (const text of documents) expect(decodeEntry(text)).toEqual(deserializeEntry(text));
  });

  it("refuses what deserializeEntry refuses", () => {
    for (const text of [
      "not json",
      "[]",
      "null",
      '{"value": [1]}',
      '{"value": {"a": 1}, "created_at": "2026-13-45T99:00:00.000000+00:0x"}',
    ]) {
      expect(() => deserializeEntry(text)).toThrow(DeserializationError);
      expect(() => decodeEntry(text)).toThrow(DeserializationError);
    }
  });
});
