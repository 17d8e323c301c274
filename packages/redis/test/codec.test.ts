import { withCharCodeAtHidden } from "@kv/conformance";
import { deserializeEntry, serializeEntry } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { decodeEntry, encodeEntry } from "../src/codec.ts";

const createdAt = Date.UTC(2026, 10, 23, 5, 4, 57, 123);
const expiresAt = createdAt + 90_500;

/** Names that contain the very field markers the compact reader looks for. */
const trickyNames = [
  'a,"value":{"x":1}',
  ',"expires_at":"2020-01-01T00:00:00.000000+00:00"',
  ',"created_at":"x"',
  '"},"value":1,"version":1}',
  "\\",
  'quote"',
  "🙂",
];

describe("entry codec", () => {
  it("writes exactly what serializeEntry writes", () => {
    for (const name of trickyNames) {
      for (const entry of [
        { value: { n: 1, name }, createdAt, expiresAt },
        { value: {}, createdAt, expiresAt: undefined },
        { value: { deep: [{ value: name }] }, createdAt: undefined, expiresAt: undefined },
      ]) {
        expect(encodeEntry(entry, JSON.stringify(name), name)).toBe(
          serializeEntry(entry, { collection: name, key: name }),
        );
      }
    }
  });

  it("reads back every document it writes, whatever the names and values hold", () => {
    for (const name of trickyNames) {
      const value = { text: name, nested: { value: name, version: 1 }, list: [name] };
      const json = encodeEntry({ value, createdAt, expiresAt }, JSON.stringify(name), name);
      const entry = decodeEntry(json);
      expect(entry.value).toEqual(value);
      expect(entry.expiresAt).toBe(expiresAt);
      expect(entry.createdAt).toBe(createdAt);
    }
  });

  it("reads without String.prototype.charCodeAt (slow once a class extends String)", () => {
    const ours = encodeEntry({ value: { n: 1 }, createdAt, expiresAt }, '"k"', "c");
    const python =
      '{"collection": "c", "created_at": "2026-11-23T05:04:57.123456+00:00", "expires_at": "2026-11-23T05:06:27.623000+00:00", "key": "k", "value": {"a": 1}, "version": 1}';
    const read = withCharCodeAtHidden(() =>
      [ours, python].map((json) => {
        const { value, createdAt, expiresAt } = decodeEntry(json);
        return { value, createdAt, expiresAt };
      }),
    );
    expect(read).toEqual([
      { value: { n: 1 }, createdAt, expiresAt },
      { value: { a: 1 }, createdAt, expiresAt },
    ]);
  });

  it("reads documents in other forms as deserializeEntry does", () => {
    const documents = [
      '{"collection": "c", "created_at": "2026-11-23T05:04:57.123456+00:00", "key": "k", "value": {"a": 1}, "version": 1}',
      '{"collection":"c","value":"{\\"a\\":1}","version":1}',
      '{"collection":"c","value":{"a":1},"valuex":2,"version":1}',
      '{"value":{"a":1},"expires_at":"2030-01-01T00:00:00Z","version":1}',
      '{"collection":"c","created_at":1732338297123,"value":{"a":1},"version":1}',
    ];
    for (const json of documents) {
      const entry = decodeEntry(json);
      const expected = deserializeEntry(json);
      expect(entry.value).toEqual(expected.value);
      expect(entry.expiresAt).toBe(expected.expiresAt);
      expect(entry.createdAt).toBe(expected.createdAt);
    }
  });

  it("refuses what is not an entry document", () => {
    for (const json of [
      "not json",
      "[]",
      '{"version":1}',
      '{"collection":"c","value":[1],"version":1}',
    ]) {
      expect(() => decodeEntry(json)).toThrow();
    }
  });
});
